import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import Anthropic from "@anthropic-ai/sdk";
import { makeCa, privateMcpServer, runConnector, type TestCa } from "../helpers/tunnel-fixtures.mjs";

/**
 * An MCP server with no public address (HTTPS on loopback, its certificate signed by a CA made here), reached by a
 * session's brain only through the real connector (`bin/tunnel-connector.mjs`, a child process) dialing out to the
 * stack under `wrangler dev` — the way a customer runs it.
 */
const baseURL = inject("baseURL");
const client = new Anthropic({ baseURL, apiKey: inject("apiKey"), maxRetries: 0, logLevel: "off" });
const cleanups: Array<() => void> = [];
const connector = (token: string, target: string) => {
  const c = runConnector(baseURL, token, target);
  cleanups.push(c.kill);
  return c;
};
const server = async (tls: TestCa, answer: string) => {
  const s = await privateMcpServer(tls, answer);
  cleanups.push(s.close);
  return s.url;
};

async function tunnelledAgent(tunnel: { domain: string }) {
  return client.beta.agents.create({
    name: `tunnelled-${Date.now()}`,
    model: "claude-fake-1",
    mcp_servers: [{ type: "url", name: "private", url: `https://mcp.${tunnel.domain}/mcp` }],
    tools: [{ type: "mcp_toolset", mcp_server_name: "private", default_config: { permission_policy: { type: "always_allow" } } }],
  });
}

/** One turn calling the private server's tool; returns the session's events once it is idle. */
async function callThroughTunnel(agentId: string) {
  const session = await client.beta.sessions.create({ agent: agentId, environment_id: inject("environmentId") });
  const stream = await client.beta.sessions.events.stream(session.id);
  await client.beta.sessions.events.send(session.id, {
    events: [{ type: "user.message", content: [{ type: "text", text: "[[tool:mcp__private__whereami {}]]" }] }],
  });
  const events: Array<{ type: string; [k: string]: unknown }> = [];
  for await (const event of stream) {
    events.push(event as never);
    if (event.type === "session.status_idle") break;
  }
  return events;
}

let trusted: TestCa;
let untrusted: TestCa;

beforeAll(() => {
  trusted = makeCa("trusted");
  untrusted = makeCa("rogue");
});

afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

describe("MCP tunnels through the real connector", () => {
  it("reaches a private HTTPS MCP server verified against the tunnel's CA, and refuses one the CA did not sign", async () => {
    const tunnel = await client.beta.tunnels.create({ display_name: "office" });
    await client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: trusted.ca });
    const { tunnel_token } = await client.beta.tunnels.revealToken(tunnel.id);
    const target = await server(trusted, "inside the private network");
    await connector(tunnel_token, target).connected;

    const agent = await tunnelledAgent(tunnel);
    const events = await callThroughTunnel(agent.id);
    expect(events.find((e) => e.type === "agent.mcp_tool_result")).toMatchObject({
      is_error: false,
      content: [{ type: "text", text: "inside the private network" }],
    });

    // A server whose certificate another CA signed: the connector refuses it, the brain reports why.
    const rogue = await client.beta.tunnels.create({ display_name: "rogue" });
    await client.beta.tunnels.certificates.create(rogue.id, { ca_certificate_pem: trusted.ca });
    const rogueConnector = connector((await client.beta.tunnels.revealToken(rogue.id)).tunnel_token, await server(untrusted, "impostor"));
    await rogueConnector.connected;
    const refused = await callThroughTunnel((await tunnelledAgent(rogue)).id);
    expect(refused.find((e) => e.type === "agent.mcp_tool_result")).toBeUndefined();
    expect(refused.find((e) => e.type === "session.error")).toMatchObject({
      error: { type: "mcp_connection_failed_error", message: expect.stringMatching(/certificate/i) },
    });
  });

  it("fails over between connectors, and stops a connector whose token was rotated or whose tunnel was archived", async () => {
    const tunnel = await client.beta.tunnels.create({});
    await client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: trusted.ca });
    const old = (await client.beta.tunnels.revealToken(tunnel.id)).tunnel_token;
    const target = await server(trusted, "still inside");
    const first = connector(old, target);
    const second = connector(old, target);
    await Promise.all([first.connected, second.connected]);
    const agent = await tunnelledAgent(tunnel);

    first.child.kill("SIGKILL");
    await first.exited;
    const viaSecond = await callThroughTunnel(agent.id);
    expect(viaSecond.find((e) => e.type === "agent.mcp_tool_result")).toMatchObject({ content: [{ text: "still inside" }] });

    // Rotation: the established connector stays up; a connector started with the old token is turned away.
    const fresh = (await client.beta.tunnels.rotateToken(tunnel.id, { reason: "e2e" })).tunnel_token;
    const late = connector(old, target);
    late.connected.catch(() => {});
    expect(await late.exited).toBe(1);
    expect(late.output()).toMatch(/rotated or invalid/);
    expect(second.child.exitCode).toBeNull();
    const renewed = connector(fresh, target);
    await renewed.connected;

    // Archive: every connector is closed for good, and the hostname routes nowhere.
    await client.beta.tunnels.archive(tunnel.id);
    expect(await second.exited).toBe(1);
    expect(await renewed.exited).toBe(1);
    expect(renewed.output()).toMatch(/archived/);
    const after = await callThroughTunnel(agent.id);
    expect(after.find((e) => e.type === "session.error")).toMatchObject({ error: { message: expect.stringMatching(/archived/) } });
  });
});
