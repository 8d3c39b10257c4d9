// The self-hosted hands as a user runs them: a self_hosted environment, an environment key minted through the
// API, and the official SDK's EnvironmentWorker polling the environment's work queue.
import Anthropic from "@anthropic-ai/sdk";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BETA_HEADERS } from "./fixtures.mjs";
import { startLocalWorkers } from "../../scripts/local-workers.mjs";

/** Whether the stack has the self-hosted work queue (the `hands` branch): its routes answer for a real environment. */
export async function hasWorkQueue(client) {
  const environment = await client.beta.environments.create({ name: `probe-${Date.now()}`, config: { type: "self_hosted" } });
  try {
    await client.beta.environments.work.stats(environment.id);
    return true;
  } catch (err) {
    if (err instanceof Anthropic.NotFoundError) return false;
    throw err;
  } finally {
    await client.beta.environments.delete(environment.id).catch(() => {});
  }
}

/** A self-hosted environment, an agent with the built-in toolset, and an environment key for workers. */
export async function selfHostedSetup(client, name) {
  const environment = await client.beta.environments.create({ name: `${name}-${Date.now()}`, config: { type: "self_hosted" } });
  const agent = await client.beta.agents.create({
    name: `${name}-agent`,
    model: "claude-fake-1",
    tools: [{ type: "agent_toolset_20260401" }],
  });
  // Environment keys have no SDK method; the SDK's generic post sends it like any other call.
  const key = await client.post(`/v1/environments/${environment.id}/keys`, { body: { name }, headers: BETA_HEADERS });
  return { environment, agent, environmentKey: key.key };
}

/**
 * Runs the official EnvironmentWorker in this process, as `npm start` does: an elastic pool of `min`..`max` loops
 * (scripts/local-workers.mjs), with a `bash` tool that notes when each tool use reaches it (`onToolUse(toolUseId, wallClockMs)`) and
 * answers after `runMs`. Returns the pool (`stop()`, `peak()`, `served()`).
 */
export function startWorker(stack, { environmentId, environmentKey, onToolUse = () => {}, runMs = 0, maxIdleMs = 60_000, min = 1, max = min }) {
  const bash = {
    name: "bash",
    description: "Runs a shell command (benchmark stand-in: records arrival, runs nothing)",
    input_schema: { type: "object", properties: { command: { type: "string" } } },
    parse: (input) => input,
    run: async (_input, context) => {
      onToolUse(context?.toolUse?.id, performance.timeOrigin + performance.now());
      if (runMs) await new Promise((r) => setTimeout(r, runMs));
      return "ok";
    },
  };
  const workers = startLocalWorkers({
    baseURL: stack.baseURL,
    environmentId,
    environmentKey,
    workdir: mkdtempSync(path.join(tmpdir(), "ma-bench-worker-")),
    tools: [bash],
    min,
    max,
    maxIdleMs,
    memorySyncIntervalMs: null,
    logLevel: "off",
    onScale: process.env.POOL_TRACE ? (e) => console.log(Math.round(performance.now()), "pool", e.size, e.reason) : undefined,
  });
  return workers;
}
