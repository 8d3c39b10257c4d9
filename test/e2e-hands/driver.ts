import type Anthropic from "@anthropic-ai/sdk";
import type { BetaManagedAgentsSessionEvent } from "@anthropic-ai/sdk/resources/beta/sessions/events";

/** One built-in tool call the fake model will make. */
export interface ToolCall {
  name: "bash" | "read" | "write" | "edit" | "glob" | "grep";
  input: Record<string, unknown>;
}

/** What the agent got back for a call: exactly what the model sees. */
export interface ToolOutcome {
  call: ToolCall;
  isError: boolean;
  text: string;
}

export const bash = (command: string, extra: Record<string, unknown> = {}): ToolCall => ({ name: "bash", input: { command, ...extra } });
export const tool = (name: ToolCall["name"], input: Record<string, unknown>): ToolCall => ({ name, input });

/**
 * The fake model's script for a turn: one model call per step, each making its step's tool calls (in parallel when
 * there are several), then a final text. Directives end at `]]`, so a command must not contain one.
 */
export function script(steps: ToolCall[][]): string {
  const segments = steps.map((calls) =>
    calls
      .map((c) => {
        const json = JSON.stringify(c.input);
        if (json.includes("]]")) throw new Error(`a scripted tool input cannot contain "]]": ${json}`);
        return `[[tool:${c.name} ${json}]]`;
      })
      .join(" "),
  );
  return [...segments, "[[text:turn done]]"].join(" [[next]] ");
}

type Event = BetaManagedAgentsSessionEvent & { id: string };

async function allEvents(client: Anthropic, sessionId: string): Promise<Event[]> {
  const events: Event[] = [];
  for await (const event of client.beta.sessions.events.list(sessionId)) events.push(event as Event);
  return events;
}

const stopReason = (e: Event) => (e as { stop_reason?: { type: string } }).stop_reason?.type;
const isTurnEnd = (e: Event) => (e.type === "session.status_idle" && stopReason(e) !== "requires_action") || e.type === "session.status_terminated";

/**
 * Sends one user turn scripted with `steps` through the official SDK and waits for the session to go idle; returns
 * each call's result in the order the model made them. Fails when the turn does not end within `timeoutMs`.
 */
export async function runTurn(client: Anthropic, sessionId: string, steps: ToolCall[][], timeoutMs = 90_000): Promise<ToolOutcome[]> {
  const before = (await allEvents(client, sessionId)).length;
  await client.beta.sessions.events.send(sessionId, {
    events: [{ type: "user.message", content: [{ type: "text", text: script(steps) }] }],
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = (await allEvents(client, sessionId)).slice(before);
    const end = events.findIndex(isTurnEnd);
    if (end >= 0) {
      const turn = events.slice(0, end + 1);
      if (stopReason(turn[end]) !== "end_turn") throw new Error(`the turn did not end normally: ${JSON.stringify(turn.slice(-5))}`);
      return outcomes(turn);
    }
    if (Date.now() > deadline) {
      // Frees the session for the scenarios after this one, then fails this one with what happened.
      await client.beta.sessions.events.send(sessionId, { events: [{ type: "user.interrupt" }] }).catch(() => {});
      throw new Error(`the turn did not end within ${timeoutMs / 1000}s; its events: ${JSON.stringify(events.map((e) => e.type))}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

function outcomes(events: Event[]): ToolOutcome[] {
  const results = new Map<string, { is_error?: boolean | null; content?: Array<{ type: string; text?: string }> }>();
  for (const e of events) if (e.type === "user.tool_result" || e.type === "agent.tool_result") results.set(e.tool_use_id, e);
  return events
    .filter((e) => e.type === "agent.tool_use")
    .map((e) => {
      const use = e as Event & { name: string; input: Record<string, unknown> };
      const result = results.get(use.id);
      if (!result) throw new Error(`no result for ${use.name} ${JSON.stringify(use.input)}`);
      return {
        call: { name: use.name as ToolCall["name"], input: use.input },
        isError: result.is_error === true,
        text: (result.content ?? []).map((b) => b.text ?? "").join(""),
      };
    });
}

/** Everything the agent has seen in the session: every tool result and message, as one text. */
export async function agentVisibleText(client: Anthropic, sessionId: string): Promise<string> {
  return JSON.stringify(await allEvents(client, sessionId));
}
