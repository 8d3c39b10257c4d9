import { afterEach, describe, expect, it, vi } from "vitest";
import { newTenant } from "./helpers/client";
import { serveMcp } from "./helpers/mcp-server";
import { say, sessionTenant, waitForEvents, waitForIdle } from "./helpers/sessions";
import { connect, connectors, tunnelledSession } from "./helpers/tunnels";

// The in-test connector's private MCP servers are fetch spies.
afterEach(() => {
  vi.restoreAllMocks();
});

describe("MCP tunnels: the data path", () => {
  it("carries the brain's MCP calls to a private server through a connector, credentials injected by the brain", async () => {
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

  it("applies a connector's answer frames in the order it numbered them, whatever order they arrive in", async () => {
    const { client, tunnel, agent, environment } = await tunnelledSession();
    const priv = serveMcp("reordered-mcp.internal-network.test");
    priv.accepted.add("");
    const { tunnel_token } = await client.beta.tunnels.revealToken(tunnel.id);
    const connector = await connect(tunnel_token, "https://reordered-mcp.internal-network.test", (answer) => answer.reverse());
    await vi.waitFor(() => expect(connector.frames?.[0]?.type).toBe("hello"));

    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:mcp__private__add {"a":1,"b":2}]]')] });
    const events = await waitForIdle(client, session.id, 1, 30_000);
    expect(events.find((e) => e.type === "session.error")).toBeUndefined();
    expect(events.find((e) => e.type === "agent.mcp_tool_result")).toMatchObject({ is_error: false, content: [{ type: "text", text: "3" }] });
  });

  it("fails at once, naming the tunnel, when a connector ends a request without answering it", async () => {
    const { client, tunnel, agent, environment } = await tunnelledSession();
    const { tunnel_token } = await client.beta.tunnels.revealToken(tunnel.id);
    const connector = await connect(tunnel_token, "https://unanswered-mcp.internal-network.test", (answer) => [{ ...answer.at(-1), seq: 0 }]);
    await vi.waitFor(() => expect(connector.frames?.[0]?.type).toBe("hello"));
    serveMcp("unanswered-mcp.internal-network.test");

    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const started = Date.now();
    await client.beta.sessions.events.send(session.id, { events: [say("hello")] });
    const events = await waitForEvents(client, session.id, (e) => e.type === "session.error");
    expect(events.find((e) => e.type === "session.error")).toMatchObject({
      error: {
        type: "mcp_connection_failed_error",
        mcp_server_name: "private",
        message: expect.stringMatching(new RegExp(`tunnel ${tunnel.id}.*ended a request without answering it`)),
      },
    });
    // Not the MCP client's 15 s timeout: the relay gave up the moment the answer could no longer come.
    expect(Date.now() - started).toBeLessThan(10_000);
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
