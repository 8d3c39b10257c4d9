import { describe, expect, it } from "vitest";
import Anthropic from "@anthropic-ai/sdk";
import type { BetaManagedAgentsSessionEvent } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { newTenant } from "./helpers/client";

type Event = BetaManagedAgentsSessionEvent;

async function events(client: Anthropic, sessionId: string): Promise<Event[]> {
  const all: Event[] = [];
  for await (const event of client.beta.sessions.events.list(sessionId)) all.push(event);
  return all;
}

async function untilIdle(client: Anthropic, sessionId: string, timeoutMs = 20_000): Promise<Event[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await events(client, sessionId);
    if (all.some((e) => e.type === "session.status_idle")) return all;
    if (Date.now() > deadline) throw new Error(`session never went idle: ${all.map((e) => e.type).join(", ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The whole cloud path: the brain (session plane) calls the scripted fake model, dispatches the toolset calls to
// the session's sandbox, and the results come back through the session's send path.
describe("cloud session end to end", () => {
  it("runs the model's tool calls in the session sandbox and feeds the results back", async () => {
    const { client } = await newTenant();
    const agent = await client.beta.agents.create({ name: "sandboxed", model: "claude-fake-1", tools: [{ type: "agent_toolset_20260401" }] });
    const environment = await client.beta.environments.create({ name: `cloud-${crypto.randomUUID()}`, config: { type: "cloud" } });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });

    const script = '[[tool:write {"file_path":"a.txt","content":"hi\\n"}]] [[next]] [[tool:bash {"command":"cat a.txt; pwd"}]] [[next]] [[text:done]]';
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.message", content: [{ type: "text", text: script }] }] });
    const log = await untilIdle(client, session.id);
    const results = log.filter((e) => e.type === "agent.tool_result") as Array<{ is_error?: boolean; content: { text: string }[] }>;
    expect(results.map((r) => [r.is_error, r.content[0].text])).toEqual([
      [false, "wrote 3 bytes to a.txt"],
      [false, "hi\n/workspace"],
    ]);
    expect((log.filter((e) => e.type === "agent.message").pop() as { content: { text: string }[] }).content[0].text).toBe("done");
  });
});
