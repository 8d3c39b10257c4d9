import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newTenant, raw, worker } from "./helpers/client";
import { say, sessionTenant, waitForIdle } from "./helpers/sessions";

const BASE = "http://managed-agents.test";
const BETA = "managed-agents-2026-04-01";

const get = (path: string, init: RequestInit = {}) => worker.fetch(`${BASE}${path}`, { redirect: "manual", ...init });

describe("console: static page", () => {
  it("redirects / to the console and serves its page with a strict CSP", async () => {
    const root = await get("/");
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/console/");

    const bare = await get("/console");
    expect(bare.status).toBe(307);
    expect(bare.headers.get("location")).toBe("/console/");

    const page = await get("/console/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="app.js">');
    expect(html).toContain('href="console.css"');
  });

  it("serves every file the page references, and every module those import", async () => {
    const html = await (await get("/console/")).text();
    const queue = [...html.matchAll(/(?:src|href)="([^"#:]+)"/g)].map((m) => m[1]);
    const seen = new Set<string>();
    while (queue.length) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const res = await get(`/console/${file}`);
      expect(res.status, file).toBe(200);
      const type = res.headers.get("content-type") ?? "";
      const body = await res.text();
      if (file.endsWith(".js")) {
        expect(type, file).toMatch(/javascript/);
        for (const m of body.matchAll(/^import [^;]*? from "\.\/([^"]+)";/gm)) queue.push(m[1]);
      }
      if (file.endsWith(".css")) expect(type, file).toMatch(/^text\/css/);
      if (file.endsWith(".svg")) expect(type, file).toMatch(/^image\/svg\+xml/);
    }
    expect([...seen]).toEqual(
      expect.arrayContaining(["app.js", "console.css", "api.js", "live.js", "timeline.js", "session-view.js", "sessions.js"]),
    );
  });

  it("keeps the asset config files private and leaves unknown paths to the API's JSON 404", async () => {
    expect((await get("/_headers")).status).toBe(404);
    const unknown = await get("/no-such-page");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
  });

  it("the assets binding serves the same files the Worker routes hand over", async () => {
    const direct = await env.ASSETS.fetch(`${BASE}/console/app.js`);
    const routed = await get("/console/app.js");
    expect(await routed.text()).toBe(await direct.text());
  });
});

describe("console: API routes are unaffected", () => {
  it("answers /v1, /admin and /health from the Worker", async () => {
    const { apiKey } = await newTenant();
    expect((await get("/health")).status).toBe(200);
    const anonymous = await raw("/v1/agents");
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { type: "authentication_error" } });
    const listed = await raw("/v1/agents", { apiKey });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({ data: [] });
    expect((await get("/admin/workspaces")).status).toBe(401);
  });
});

describe("console: WebSocket auth through subprotocols", () => {
  const protocols = (key: string, beta = true) =>
    ["managed-agents", ...(beta ? [`anthropic-beta.${BETA}`] : []), `x-api-key.${key}`].join(", ");

  /** A browser-style handshake: no x-api-key, no anthropic-beta header, only offered subprotocols. */
  const browserUpgrade = (sessionId: string, offered: string, query = "") =>
    get(`/v1/sessions/${sessionId}/events/ws${query}`, { headers: { upgrade: "websocket", "sec-websocket-protocol": offered } });

  it("accepts the key offered as a subprotocol, selects only `managed-agents`, and streams", async () => {
    const { client, apiKey, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const res = await browserUpgrade(session.id, protocols(apiKey));
    expect(res.status).toBe(101);
    expect(res.headers.get("sec-websocket-protocol")).toBe("managed-agents");
    expect(JSON.stringify([...res.headers])).not.toContain(apiKey);

    const ws = res.webSocket!;
    const received: any[] = [];
    ws.addEventListener("message", (m) => {
      received.push(JSON.parse(m.data as string));
    });
    ws.accept();
    await client.beta.sessions.events.send(session.id, { events: [say("[[text:hello browser]]")] });
    const log = await waitForIdle(client, session.id);
    await expect.poll(() => received.length).toBe(log.length);
    expect(received).toEqual(log);
    expect(received.find((e) => e.type === "agent.message")?.content).toEqual([{ type: "text", text: "hello browser" }]);
    ws.close(1000);
  });

  it("resumes after the given event id over a subprotocol-authenticated socket", async () => {
    const { client, apiKey, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[text:first]]")] });
    const log = await waitForIdle(client, session.id);
    const res = await browserUpgrade(session.id, protocols(apiKey), `?after_id=${log[1].id}`);
    expect(res.status).toBe(101);
    const received: any[] = [];
    res.webSocket!.addEventListener("message", (m) => {
      received.push(JSON.parse(m.data as string));
    });
    res.webSocket!.accept();
    await expect.poll(() => received.length).toBe(log.length - 2);
    expect(received).toEqual(log.slice(2));
    res.webSocket!.close(1000);
  });

  it("refuses a wrong key, a key without the managed-agents protocol, and a key on a plain request", async () => {
    const { client, apiKey, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });

    const wrong = await browserUpgrade(session.id, protocols("sk-ma-not-a-real-key"));
    expect(wrong.status).toBe(401);
    expect(wrong.webSocket).toBeNull();
    expect(wrong.headers.get("sec-websocket-protocol")).toBeNull();
    expect(await wrong.json()).toMatchObject({ error: { type: "authentication_error" } });

    const unlabelled = await browserUpgrade(session.id, `anthropic-beta.${BETA}, x-api-key.${apiKey}`);
    expect(unlabelled.status).toBe(401);

    // Outside a WebSocket handshake the header is not a credential.
    const plain = await get("/v1/sessions", { headers: { "anthropic-beta": BETA, "sec-websocket-protocol": protocols(apiKey) } });
    expect(plain.status).toBe(401);
  });

  it("needs the beta as a protocol token too, and keeps other workspaces' sessions hidden", async () => {
    const { client, apiKey, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });

    const noBeta = await browserUpgrade(session.id, protocols(apiKey, false));
    expect(noBeta.status).toBe(400);
    expect((await noBeta.json<any>()).error.message).toContain(BETA);

    const stranger = await newTenant();
    const other = await browserUpgrade(session.id, protocols(stranger.apiKey));
    expect(other.status).toBe(404);
  });

  it("leaves header-authenticated clients as they were: no subprotocol selected", async () => {
    const { client, apiKey, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const res = await get(`/v1/sessions/${session.id}/events/ws`, {
      headers: { upgrade: "websocket", "x-api-key": apiKey, "anthropic-beta": BETA },
    });
    expect(res.status).toBe(101);
    expect(res.headers.get("sec-websocket-protocol")).toBeNull();
    res.webSocket!.accept();
    res.webSocket!.close(1000);
  });
});
