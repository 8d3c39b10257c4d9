import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../src/app";
import {
  checkIsolation,
  createWorld,
  diffSnapshots,
  generateCases,
  ROUTES,
  routeKey,
  runCases,
  snapshot,
  type Send,
  type World,
} from "../bench/chaos/cases.mjs";
import { probeAutoPermission, probeHandsToken, probeHostileTools, probeHostileUpload, probeSizes } from "../bench/chaos/security-probes.mjs";
import { ADMIN_TOKEN, admin, newTenant, worker } from "./helpers/client";
import { say, sessionTenant, waitForIdle } from "./helpers/sessions";

// The short version of `npm run chaos` (bench/chaos/): the fuzz and isolation sweeps over every route, in-process.
// The crash/restart and model-fault parts need a real wrangler dev and run only there.

const BASE_URL = "http://managed-agents.test";

/** The Worker in-process; stream bodies are not read (their status is the answer) and sockets are closed. */
const send: Send = async ({ method, path, headers, body }) => {
  const res = await worker.fetch(new Request(`${BASE_URL}${path}`, { method, headers, body }));
  const contentType = res.headers.get("content-type") ?? "";
  if (res.webSocket) {
    res.webSocket.accept();
    res.webSocket.close(1000, "done");
    return { status: res.status, contentType, text: "" };
  }
  if (contentType.startsWith("text/event-stream")) {
    await res.body?.cancel();
    return { status: res.status, contentType, text: "" };
  }
  return { status: res.status, contentType, text: new TextDecoder().decode(await res.arrayBuffer()) };
};

async function world(label: string) {
  const tenant = await newTenant(label);
  return createWorld(send, { apiKey: tenant.apiKey, workspaceId: tenant.workspaceId, adminToken: ADMIN_TOKEN, label });
}

describe("chaos (short): malformed requests and tenant isolation over every route", () => {
  // One of everything in two workspaces, shared: the isolation sweep only reads and the fuzz must write nothing.
  // (The fuzz runs last: in this harness every in-process request leaves later ones a little slower.)
  let own: World;
  let other: World;
  beforeAll(async () => {
    own = await world("short-a");
    other = await world("short-b");
  }, 120_000);

  it("the route catalogue covers every route the app serves", () => {
    const served = new Set(
      app.routes
        // The API: /v1 and /admin (not the console's pages, /health or /openapi.json); `__` marks test hooks.
        .filter((r) => r.method !== "ALL" && /^\/(v1|admin)\//.test(r.path) && !r.path.includes("__"))
        .map((r) => routeKey(r.method, r.path)),
    );
    const catalogued = new Set(ROUTES.map((r) => routeKey(r.method, r.path)));
    expect([...served].filter((k) => !catalogued.has(k)), "served but not fuzzed").toEqual([]);
    // Catalogued routes the app lacks may only be the hands' (self-hosted work queue), until they land.
    const missing = ROUTES.filter((r) => !served.has(routeKey(r.method, r.path)) && !r.hands);
    expect(missing.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it("a JSON route refuses a body it cannot read (multipart or unlabelled) and writes nothing", async () => {
    const { client, apiKey } = await newTenant();
    const environment = await client.beta.environments.create({ name: `env-${crypto.randomUUID()}` });
    const body = new TextEncoder().encode(JSON.stringify({ description: "ignored?" }));
    for (const contentType of ["multipart/form-data", undefined]) {
      const headers: Record<string, string> = { "x-api-key": apiKey, "anthropic-beta": "managed-agents-2026-04-01" };
      if (contentType) headers["content-type"] = contentType;
      const res = await send({ method: "POST", path: `/v1/environments/${environment.id}`, headers, body });
      expect(res.status, `content-type ${contentType ?? "(none)"}`).toBe(400);
      expect(JSON.parse(res.text).error.message).toMatch(/content-type must be application\/json/);
    }
    expect(await client.beta.environments.retrieve(environment.id)).toEqual(environment);
  });

  it("an empty event type filter is a bad request, not a filter that matches nothing", async () => {
    const res = await send({
      method: "GET",
      path: `/v1/sessions/${own.session}/events?types%5B%5D=`,
      headers: { "x-api-key": own.apiKey, "anthropic-beta": "managed-agents-2026-04-01" },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.type).toBe("invalid_request_error");
  });

  it("isolates tenants on every GET route: 404 for another workspace's ids, lists without them", async () => {
    const empty = await newTenant("iso-empty");
    const { failures, checked } = await checkIsolation(send, { owner: own, intruder: other, empty: { apiKey: empty.apiKey } });
    expect(failures).toEqual([]);
    // Every non-admin GET route was asked twice (intruder and empty workspace), minus the hands' when absent.
    const gets = ROUTES.filter((r) => r.method === "GET" && !r.admin && !r.hands).length;
    expect(checked.length).toBeGreaterThanOrEqual(gets * 2);
    // The admin API sees every workspace; that is its job, so it is not part of this sweep.
    expect((await admin(`/workspaces/${own.workspace}`)).id).toBe(own.workspace);
  }, 120_000);

  it("answers 300 malformed requests with 4xx only, and stores nothing", async () => {
    const before = { a: await snapshot(send, own.apiKey, { adminToken: ADMIN_TOKEN }), b: await snapshot(send, other.apiKey) };
    const cases = [...generateCases({ worlds: { own, other }, count: 300, seed: 7, adminToken: ADMIN_TOKEN, hugeEvery: 150 })];
    const result = await runCases(send, cases, { concurrency: 4 });
    expect(result.serverErrors, "5xx").toEqual([]);
    expect(result.accepted, "accepted although malformed").toEqual([]);
    const after = { a: await snapshot(send, own.apiKey, { adminToken: ADMIN_TOKEN }), b: await snapshot(send, other.apiKey) };
    expect([...diffSnapshots(before.a, after.a), ...diffSnapshots(before.b, after.b)]).toEqual([]);
    // The sweep did reach the handlers: ids of the other tenant 404, bad input 400, bad credentials 401.
    expect(Object.keys(result.byStatus).sort()).toEqual(expect.arrayContaining(["400", "401", "404"]));
  }, 180_000);
});

describe("chaos (short): a crash between a session's commit and its D1 mirror", () => {
  it("leaves D1 behind only until the object wakes again (npm run chaos found it stuck at running)", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("hello")] });
    await waitForIdle(client, session.id);
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("idle");

    // What the crash left behind: D1 still at the running state, the object not knowing its last write landed.
    await env.DB.prepare("UPDATE sessions SET status = 'running', mirror_seq = mirror_seq - 1 WHERE id = ?").bind(session.id).run();
    const stub = env.SESSIONS.get(env.SESSIONS.idFromName(session.id));
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE mirror SET seq = seq - 1");
    });
    await runInDurableObject(stub, (_instance, state) => state.abort("simulated crash")).catch(() => {});
    const d1Status = async () =>
      (await env.DB.prepare("SELECT status FROM sessions WHERE id = ?").bind(session.id).first<{ status: string }>())!.status;
    expect(await d1Status()).toBe("running");
    // The list index (D1) lags; sessions.retrieve reads the object, so a client never saw the stale status there.

    // Any request that wakes the object (here a read of its events) brings D1 back in step.
    await client.beta.sessions.events.list(session.id);
    expect(await d1Status()).toBe("idle");
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("idle");
  });
});

describe("chaos (short): the security probes of npm run chaos that need no Node server (bench/chaos/security-probes.mjs)", () => {
  // Sizes over 2 MiB, outbound destinations and quotas run only in `npm run chaos --only security`: they need a
  // local marker server, chunked bodies from a real client, and tens of MiB per request.
  it.each([
    ["hostile tool inputs (ReDoS in grep, glob, ls; a huge output)", probeHostileTools],
    ["a hostile SKILL.md upload", probeHostileUpload],
    ["auto permission bypasses", probeAutoPermission],
    ["hands-token privilege and revocation", probeHandsToken],
  ] as const)("%s: no findings", async (_name, probe) => {
    const { apiKey } = await newTenant("security");
    // A generous budget: this harness slows as it goes, and the stalls it looks for last minutes, not seconds.
    const { findings } = await probe(send, { apiKey, budgetMs: 60_000 });
    expect(findings).toEqual([]);
  }, 120_000);

  it("bodies of 1 KiB to 1 MiB are stored; the rest of the sizes run in npm run chaos", async () => {
    const { apiKey } = await newTenant("sizes");
    const sendSized = async (sessionId: string, size: number) =>
      send({
        method: "POST",
        path: `/v1/sessions/${sessionId}/events`,
        headers: { "x-api-key": apiKey, "anthropic-beta": "managed-agents-2026-04-01", "content-type": "application/json" },
        body: JSON.stringify({ events: [{ type: "user.message", content: [{ type: "text", text: "a".repeat(size) }] }] }),
      });
    const { findings } = await probeSizes(send, { apiKey, sizes: [1024, 64 * 1024, 1024 * 1024], sendSized });
    expect(findings).toEqual([]);
  }, 120_000);
});
