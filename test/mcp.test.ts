import { afterEach, describe, expect, it, vi } from "vitest";
import { serveMcp, type TestMcpServer } from "./helpers/mcp-server";
import { allEvents, say, sessionTenant, waitForEvents, waitForIdle } from "./helpers/sessions";

afterEach(() => {
  vi.restoreAllMocks();
});

const unique = (label: string) => `${label}-${crypto.randomUUID()}`;

/** A tenant whose agent declares `mcp` as server "tools" (tool policy as given), a vault, and credential auth. */
async function mcpSession(mcp: TestMcpServer, auth: Record<string, unknown> | null, policy: "always_allow" | "always_ask" = "always_allow") {
  const tenant = await sessionTenant({
    mcp_servers: [{ type: "url", name: "tools", url: mcp.url }],
    tools: [{ type: "mcp_toolset", mcp_server_name: "tools", default_config: { permission_policy: { type: policy } } }],
  });
  const { client } = tenant;
  const vault = await client.beta.vaults.create({ display_name: "mcp" });
  const credential = auth ? await client.beta.vaults.credentials.create(vault.id, { auth: auth as never }) : null;
  const session = await client.beta.sessions.create({ agent: tenant.agent.id, environment_id: tenant.environment.id, vault_ids: [vault.id] });
  return { ...tenant, vault, credential, session };
}

describe("MCP servers called by the brain", () => {
  it("lists a bearer-auth server's tools for the model and runs them as mcp_tool_use → mcp_tool_result", async () => {
    const mcp = serveMcp();
    const token = unique("bearer");
    mcp.accepted.add(token);
    const { client, session } = await mcpSession(mcp, { type: "static_bearer", mcp_server_url: mcp.url, token });

    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:mcp__tools__echo {"text":"hi"}]]')] });
    const events = await waitForIdle(client, session.id);

    const use = events.find((e) => e.type === "agent.mcp_tool_use");
    expect(use).toMatchObject({ name: "echo", mcp_server_name: "tools", input: { text: "hi" }, evaluated_permission: "allow" });
    const result = events.find((e) => e.type === "agent.mcp_tool_result");
    expect(result).toMatchObject({ mcp_tool_use_id: use!.id, is_error: false, content: [{ type: "text", text: "echo: hi" }] });
    const idle = events.filter((e) => e.type === "session.status_idle").at(-1);
    expect(idle).toMatchObject({ stop_reason: { type: "end_turn" } });
    const answer = events.filter((e) => e.type === "agent.message").at(-1);
    expect(JSON.stringify(answer)).toContain("echo: hi");
    expect(mcp.calls).toEqual([{ name: "echo", args: { text: "hi" } }]);
    expect(mcp.authorizations.length).toBeGreaterThan(0);
    expect(new Set(mcp.authorizations)).toEqual(new Set([`Bearer ${token}`]));
    expect(events.some((e) => e.type === "session.error")).toBe(false);
  });

  it("refreshes an mcp_oauth access token the server rejects, uses it, and stores the new tokens", async () => {
    const mcp = serveMcp();
    const stale = unique("stale-access");
    const fresh = unique("fresh-access");
    const refresh = unique("refresh");
    const rotated = unique("rotated-refresh");
    mcp.refreshGrants.set(refresh, { access_token: fresh, refresh_token: rotated, expires_in: 3600 });
    const host = new URL(mcp.url).host;
    const { client, session, vault, credential } = await mcpSession(mcp, {
      type: "mcp_oauth",
      mcp_server_url: mcp.url,
      access_token: stale,
      refresh: {
        client_id: "client-1",
        refresh_token: refresh,
        token_endpoint: `https://${host}/oauth/token`,
        token_endpoint_auth: { type: "none" },
      },
    });

    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:mcp__tools__add {"a":2,"b":3}]]')] });
    const events = await waitForIdle(client, session.id);
    expect(events.find((e) => e.type === "agent.mcp_tool_result")).toMatchObject({ is_error: false, content: [{ type: "text", text: "5" }] });
    expect(mcp.authorizations[0]).toBe(`Bearer ${stale}`);
    expect(mcp.authorizations.at(-1)).toBe(`Bearer ${fresh}`);
    expect(mcp.tokenRequests).toHaveLength(1);
    expect(mcp.tokenRequests[0].get("refresh_token")).toBe(refresh);

    // Stored back: the credential now expires in an hour, and a new session needs no further refresh.
    const stored = await client.beta.vaults.credentials.retrieve(credential!.id, { vault_id: vault.id });
    expect(Date.parse((stored.auth as { expires_at: string }).expires_at)).toBeGreaterThan(Date.now() + 3000_000);
    const tenantClient = client;
    const second = await tenantClient.beta.sessions.create({ agent: session.agent.id, environment_id: session.environment_id, vault_ids: [vault.id] });
    const before = mcp.authorizations.length;
    await tenantClient.beta.sessions.events.send(second.id, { events: [say('[[tool:mcp__tools__add {"a":1,"b":1}]]')] });
    const again = await waitForIdle(tenantClient, second.id);
    expect(again.find((e) => e.type === "agent.mcp_tool_result")).toMatchObject({ is_error: false, content: [{ type: "text", text: "2" }] });
    expect(new Set(mcp.authorizations.slice(before))).toEqual(new Set([`Bearer ${fresh}`]));
    expect(mcp.tokenRequests).toHaveLength(1);
  });

  it("refreshes before use when the stored expiry has passed", async () => {
    const mcp = serveMcp();
    const old = unique("old-access");
    const fresh = unique("fresh-access");
    const refresh = unique("refresh");
    mcp.accepted.add(old); // the server would still take it: only the stored expiry says it is due
    mcp.refreshGrants.set(refresh, { access_token: fresh, expires_in: 3600 });
    const host = new URL(mcp.url).host;
    const { client, session } = await mcpSession(mcp, {
      type: "mcp_oauth",
      mcp_server_url: mcp.url,
      access_token: old,
      // Within the refresh margin already: due for refresh at first use.
      expires_at: new Date(Date.now() + 5_000).toISOString(),
      refresh: { client_id: "c", refresh_token: refresh, token_endpoint: `https://${host}/oauth/token`, token_endpoint_auth: { type: "none" } },
    });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:mcp__tools__echo {"text":"x"}]]')] });
    const events = await waitForIdle(client, session.id);
    expect(events.find((e) => e.type === "agent.mcp_tool_result")).toMatchObject({ is_error: false });
    expect(mcp.tokenRequests).toHaveLength(1);
    expect(new Set(mcp.authorizations)).toEqual(new Set([`Bearer ${fresh}`]));
  });

  it("holds always_ask MCP tools for user.tool_confirmation", async () => {
    const mcp = serveMcp();
    const token = unique("bearer");
    mcp.accepted.add(token);
    const { client, session } = await mcpSession(mcp, { type: "static_bearer", mcp_server_url: mcp.url, token }, "always_ask");
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:mcp__tools__echo {"text":"ask"}]]')] });
    const first = await waitForIdle(client, session.id);
    const use = first.find((e) => e.type === "agent.mcp_tool_use")!;
    expect(use).toMatchObject({ evaluated_permission: "ask", evaluation: { type: "always_ask" } });
    expect(first.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "requires_action", event_ids: [use.id] } });
    expect(mcp.calls).toEqual([]);

    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.tool_confirmation", tool_use_id: use.id, result: "allow" }] });
    const events = await waitForIdle(client, session.id, 2);
    expect(events.find((e) => e.type === "agent.mcp_tool_result")).toMatchObject({ mcp_tool_use_id: use.id, is_error: false });
    expect(mcp.calls).toEqual([{ name: "echo", args: { text: "ask" } }]);
    expect(events.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
  });

  it("reports a rejected token as mcp_authentication_failed_error and the turn still ends cleanly", async () => {
    const mcp = serveMcp();
    mcp.accepted.add(unique("right"));
    const { client, session } = await mcpSession(mcp, { type: "static_bearer", mcp_server_url: mcp.url, token: unique("wrong") });
    await client.beta.sessions.events.send(session.id, { events: [say("hello")] });
    const events = await waitForIdle(client, session.id);
    expect(events.filter((e) => e.type === "session.error")).toEqual([
      expect.objectContaining({
        error: { type: "mcp_authentication_failed_error", mcp_server_name: "tools", message: expect.any(String), retry_status: { type: "retrying" } },
      }),
    ]);
    expect(events.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    expect(JSON.stringify(events.filter((e) => e.type === "agent.message"))).toContain("Echo: hello");
  });

  it("reports an unreachable server as mcp_connection_failed_error and uses it once it is back", async () => {
    const mcp = serveMcp();
    const token = unique("bearer");
    mcp.accepted.add(token);
    mcp.down = true;
    const { client, session } = await mcpSession(mcp, { type: "static_bearer", mcp_server_url: mcp.url, token });
    await client.beta.sessions.events.send(session.id, { events: [say("first")] });
    let events = await waitForIdle(client, session.id);
    expect(events.find((e) => e.type === "session.error")).toMatchObject({
      error: {
        type: "mcp_connection_failed_error",
        mcp_server_name: "tools",
        message: "could not connect to MCP server tools: it answered HTTP 503",
        retry_status: { type: "retrying" },
      },
    });

    mcp.down = false;
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:mcp__tools__echo {"text":"back"}]]')] });
    events = await waitForIdle(client, session.id, 2);
    expect(events.find((e) => e.type === "agent.mcp_tool_result")).toMatchObject({ is_error: false, content: [{ type: "text", text: "echo: back" }] });
  });

  it("without a credential for the server, the server's 401 is an authentication failure", async () => {
    const mcp = serveMcp();
    const { client, session } = await mcpSession(mcp, null);
    await client.beta.sessions.events.send(session.id, { events: [say("hi")] });
    const events = await waitForEvents(client, session.id, (e) => e.type === "session.status_idle");
    expect(events.find((e) => e.type === "session.error")).toMatchObject({ error: { type: "mcp_authentication_failed_error" } });
    expect((await allEvents(client, session.id)).at(-1)).toMatchObject({ type: "session.status_idle" });
  });
});
