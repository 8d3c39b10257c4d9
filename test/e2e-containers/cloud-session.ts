import Anthropic from "@anthropic-ai/sdk";
import type { EnvironmentCreateParams } from "@anthropic-ai/sdk/resources/beta/environments/environments";
import { inject } from "vitest";

export interface ContainersStack {
  baseURL: string;
  apiKey: string;
  /** The host's echo server as a container addresses it (http://<bridge gateway>:<port>). */
  echoURL: string;
  idleSnapshotMs: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    containers: ContainersStack | null;
  }
}

/** The running container-mode stack, or null where there is no Docker engine (the suite skips). */
export const stack = inject("containers");

export const client = () => new Anthropic({ baseURL: stack!.baseURL, apiKey: stack!.apiKey, timeout: 600_000, maxRetries: 0 });

type CloudConfig = Extract<EnvironmentCreateParams["config"], { type: "cloud" }>;

type Resources = Parameters<Anthropic["beta"]["sessions"]["create"]>[0]["resources"];

/** A cloud environment, an agent with the built-in toolset, and a session on them (with vaults and resources, if given). */
export async function cloudSession(config: Partial<CloudConfig> = {}, vaultIds: string[] = [], resources?: Resources) {
  const api = client();
  const environment = await api.beta.environments.create({
    name: `ctr-${crypto.randomUUID()}`,
    config: { type: "cloud", networking: { type: "unrestricted" }, ...config } as CloudConfig,
  });
  const agent = await api.beta.agents.create({ name: "ctr", model: "claude-fake-1", tools: [{ type: "agent_toolset_20260401" }] } as never);
  const session = await api.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    ...(vaultIds.length ? { vault_ids: vaultIds } : {}),
    ...(resources ? { resources } : {}),
  });
  return { api, session };
}

export interface ToolOutcome {
  name: string;
  text: string;
  isError: boolean;
}

/** One user turn scripted with fake-model directives; resolves at the next idle with the turn's tool results. */
export async function turn(api: Anthropic, sessionId: string, text: string): Promise<{ results: ToolOutcome[]; ms: number }> {
  const started = Date.now();
  const stream = await api.beta.sessions.events.stream(sessionId);
  await api.beta.sessions.events.send(sessionId, { events: [{ type: "user.message", content: [{ type: "text", text }] }] });
  const names = new Map<string, string>();
  const results: ToolOutcome[] = [];
  for await (const event of stream as AsyncIterable<Record<string, any>>) {
    if (event.type === "agent.tool_use") names.set(event.id, event.name);
    if (event.type === "user.tool_result" || event.type === "agent.tool_result") {
      const content = (event.content ?? []) as Array<{ text?: string }>;
      results.push({ name: names.get(event.tool_use_id) ?? "?", text: content.map((c) => c.text ?? "").join(""), isError: Boolean(event.is_error) });
    }
    if (event.type === "session.error") throw new Error(`session.error: ${JSON.stringify(event)}`);
    if (event.type === "session.status_idle") break;
  }
  return { results, ms: Date.now() - started };
}

/** A fake-model directive calling one tool. */
export const call = (name: string, input: Record<string, unknown>) => `[[tool:${name} ${JSON.stringify(input)}]]`;
/** Several tool calls, one per model step. */
export const steps = (...calls: string[]) => calls.join(" [[next]] ");
