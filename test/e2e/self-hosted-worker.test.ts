import { afterEach, describe, expect, inject, it } from "vitest";
import Anthropic from "@anthropic-ai/sdk";
import type { BetaSelfHostedWork } from "@anthropic-ai/sdk/resources/beta/environments";

declare module "vitest" {
  export interface ProvidedContext {
    baseURL: string;
    apiKey: string;
    workspaceId: string;
    environmentId: string;
    workdir: string;
    logLevel: "debug" | "off";
  }
}

const BETA = { "anthropic-beta": "managed-agents-2026-04-01" };
const baseURL = inject("baseURL");
const environmentId = inject("environmentId");
const client = new Anthropic({ baseURL, apiKey: inject("apiKey"), maxRetries: 0, logLevel: "off" });

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** The official worker, unmodified, polling our queue with an environment key minted through our API. */
async function startWorker() {
  const key = await client.post<{ key: string }>(`/v1/environments/${environmentId}/keys`, { body: { name: "e2e" }, headers: BETA });
  const controller = new AbortController();
  const worker = new Anthropic({ baseURL, apiKey: null, logLevel: inject("logLevel") }).beta.environments.work.worker({
    environmentId,
    environmentKey: key.key,
    workdir: inject("workdir"),
    maxIdleMs: 1000,
  });
  const running = worker.run(controller.signal).catch((e) => e);
  stops.push(async () => {
    controller.abort();
    return running;
  });
}

/** Queue a session as the brain's dispatch does (test hook; the brain calls dispatchToolUses). */
async function enqueue(sessionId: string) {
  return client.post<BetaSelfHostedWork>(`/v1/environments/${environmentId}/work/__enqueue`, {
    body: { session_id: sessionId },
    headers: BETA,
  });
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("official EnvironmentWorker against wrangler dev", () => {
  it("claims a queued session: polls, acks, heartbeats with the sessions token and stops the item", async () => {
    await startWorker();
    const queued = await enqueue(`sesn_e2e${Date.now()}`);
    expect(queued.state).toBe("queued");

    // Until the session plane lands the session itself 404s, so the worker fails the item after claiming it,
    // which still drives the whole lease protocol: poll → ack → heartbeat → sessions.retrieve → force stop.
    const done = await waitFor(async () => {
      const item = await client.beta.environments.work.retrieve(queued.id, { environment_id: environmentId });
      return item.state === "stopped" ? item : undefined;
    });
    expect(done.acknowledged_at).not.toBeNull();
    expect(done.started_at).not.toBeNull();
    expect(done.latest_heartbeat_at).not.toBeNull();

    const stats = await client.beta.environments.work.stats(environmentId);
    expect(stats).toMatchObject({ depth: 0, pending: 0 });
    expect(stats.workers_polling).toBeGreaterThanOrEqual(1);
  });
});
