// The worker pool `npm start` runs (scripts/local-workers.mjs: the official EnvironmentWorker, unmodified, in loops
// that grow with demand) against wrangler dev. Plain JS: the pool is a Node script. Each test has its own self-hosted
// environment, so no other suite's items land in its queue.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, describe, expect, it } from "vitest";
import { startLocalWorkers } from "../../scripts/local-workers.mjs";
import { BETA, baseURL, client, ownEnvironment, stops, waitFor } from "./stack";

const workdir = mkdtempSync(path.join(tmpdir(), "ma-e2e-pool-"));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

async function selfHosted(name) {
  const { environmentId, key, keyId } = await ownEnvironment(name);
  const agent = await client.beta.agents.create({ name, model: "claude-fake-1", tools: [{ type: "agent_toolset_20260401" }] });
  return { environmentId, environmentKey: key, keyId, agent };
}

function startPool(setup, options) {
  const scaled = [];
  const errors = [];
  const pool = startLocalWorkers({
    baseURL,
    environmentId: setup.environmentId,
    environmentKey: setup.environmentKey,
    workdir,
    logLevel: "off",
    onScale: (event) => scaled.push(event),
    onError: (err) => errors.push(err),
    ...options,
  });
  stops.push(pool.stop);
  return { pool, scaled, errors };
}

/** A session whose agent runs one bash command through the pool; resolves its events once the turn has ended. */
async function oneToolCall(setup, i) {
  const session = await client.beta.sessions.create({ agent: setup.agent.id, environment_id: setup.environmentId });
  const script = `[[tool:bash {"command":"echo session-${i}"}]] [[next]] [[text:done]]`;
  await client.beta.sessions.events.send(session.id, { events: [{ type: "user.message", content: [{ type: "text", text: script }] }] });
  const events = await waitFor(async () => {
    const all = [];
    for await (const event of client.beta.sessions.events.list(session.id)) all.push(event);
    const last = all[all.length - 1];
    return last?.type === "session.status_idle" && last.stop_reason?.type === "end_turn" ? all : undefined;
  }, 90_000);
  return { session, result: events.find((e) => e.type === "user.tool_result") };
}

describe("the elastic worker pool of npm start", () => {
  it("grows to serve 8 sessions started together at once, none waiting for another's release", async () => {
    const setup = await selfHosted("pool-burst");
    // Two warm loops and sessions held for a minute each: without growth, sessions 3–8 would each wait for a
    // release (60 s), far past this test's turn. With it, each session is served by a loop of its own.
    const { pool, errors } = startPool(setup, { min: 2, max: 12, maxIdleMs: 60_000 });
    const sessions = 8;
    const runs = await Promise.all(Array.from({ length: sessions }, (_, i) => oneToolCall(setup, i)));

    runs.forEach(({ result }, i) => {
      expect(result?.is_error).toBe(false);
      expect(result?.content[0].text).toBe(`session-${i}`);
    });
    const served = pool.served();
    expect(served.size).toBe(sessions); // 8 distinct loops, one item each
    expect([...served.values()]).toEqual(Array(sessions).fill(1));
    expect(pool.peak()).toBeGreaterThanOrEqual(sessions);
    expect(pool.peak()).toBeLessThanOrEqual(12);
    // Every session still holds its first item: none was released and claimed again, so none waited for a loop.
    const lister = new Anthropic({ baseURL, apiKey: null, authToken: setup.environmentKey, maxRetries: 0, logLevel: "off" });
    const items = [];
    for await (const item of lister.beta.environments.work.list(setup.environmentId)) items.push(item);
    expect(items).toHaveLength(sessions);
    expect(items.every((item) => item.state === "active")).toBe(true);
    expect(errors).toEqual([]);
  });

  it("never grows past max: the sessions beyond it wait for a release and are then served", async () => {
    const setup = await selfHosted("pool-cap");
    const { pool } = startPool(setup, { min: 1, max: 2, maxIdleMs: 500 });
    const runs = await Promise.all(Array.from({ length: 4 }, (_, i) => oneToolCall(setup, i)));
    runs.forEach(({ result }, i) => expect(result?.content[0].text).toBe(`session-${i}`));
    expect(pool.peak()).toBe(2);
    expect([...pool.served().values()].reduce((a, b) => a + b)).toBeGreaterThanOrEqual(4);
  });

  it("lets the loops beyond the warm minimum exit once idle, and says so", async () => {
    const setup = await selfHosted("pool-shrink");
    const { pool, scaled } = startPool(setup, { min: 1, max: 4, maxIdleMs: 500, spareIdleMs: 1_000 });
    await Promise.all([0, 1, 2].map((i) => oneToolCall(setup, i)));
    expect(pool.peak()).toBeGreaterThan(1);
    await waitFor(async () => (pool.size() === 1 ? true : undefined), 30_000);
    expect(scaled.some((e) => e.reason.startsWith("-1:"))).toBe(true);
    expect(scaled.at(-1).size).toBe(1);
  });

  it("stops every loop when its environment key is revoked, instead of restarting them", async () => {
    const setup = await selfHosted("pool-revoked");
    const { pool, errors } = startPool(setup, { min: 3, max: 4 });
    await client.post(`/v1/environments/${setup.environmentId}/keys/${setup.keyId}/revoke`, { headers: BETA });
    await waitFor(async () => (pool.size() === 0 ? true : undefined), 30_000);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0].status).toBe(401);
    await new Promise((r) => setTimeout(r, 1_500)); // past the restart delay: nothing came back
    expect(pool.size()).toBe(0);
  });
});
