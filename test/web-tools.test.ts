import { afterEach, describe, expect, it, vi } from "vitest";
import { collect, expectApiError } from "./helpers/assertions";
import { expectRejected, modelRequests, say, selfHosted, sessionTenant, waitForIdle } from "./helpers/sessions";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Web pages served by the test itself: every outbound request to a `*.example.test` host lands here. */
function serveWeb(pages: Record<string, () => Response>) {
  const requests: { url: string; headers: Record<string, string> }[] = [];
  const original = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input as RequestInfo, init);
    const url = new URL(req.url);
    if (!url.hostname.endsWith(".example.test")) return original(input as RequestInfo, init);
    requests.push({ url: req.url, headers: Object.fromEntries(req.headers) });
    const page = pages[`${url.hostname}${url.pathname}`];
    return page ? page() : new Response("no such page", { status: 404 });
  });
  return requests;
}

const html = (body: string) => () => new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } });
const call = (tool: string, input: object) => `[[tool:${tool} ${JSON.stringify(input)}]]`;

describe("web_search", () => {
  it("is passed to the Messages API as the server tool, and its blocks become events and are replayed verbatim", async () => {
    const { client, agent, environment } = await sessionTenant(
      {
        tools: [
          {
            type: "agent_toolset_20260401",
            configs: [
              { name: "web_search", allowed_domains: ["docs.example.com"], user_location: { type: "approximate", city: "Paris", country: "FR" } },
            ],
          },
        ],
      },
      selfHosted,
    );
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[web_search:durable objects]][[text:found it]]")] });
    await waitForIdle(client, session.id);
    await client.beta.sessions.events.send(session.id, { events: [say("and again")] });
    const events = await waitForIdle(client, session.id, 2);

    const use = events.find((e) => e.type === "agent.tool_use") as any;
    expect(use).toMatchObject({ name: "web_search", input: { query: "durable objects" }, evaluated_permission: "allow", evaluation: { type: "always_allow" } });
    const result = events.find((e) => e.type === "agent.tool_result") as any;
    expect(result).toMatchObject({
      tool_use_id: use.id,
      is_error: false,
      content: [{ type: "search_result", source: "https://docs.example.com/results/durable-objects", title: "Result for durable objects", citations: { enabled: true } }],
    });
    expect(JSON.stringify(events)).not.toContain("enc_");
    expect(events.filter((e) => e.type === "agent.message").map((e: any) => e.content[0].text)).toEqual(["found it", "Echo: and again"]);

    const [first, second] = await modelRequests(session.id);
    expect(first.tools.find((t: any) => t.name === "web_search")).toEqual({
      type: "web_search_20250305",
      name: "web_search",
      allowed_domains: ["docs.example.com"],
      user_location: { type: "approximate", city: "Paris", country: "FR" },
    });
    // The hands never see it: web_fetch is a tool the brain runs, the built-ins go to the worker.
    expect(first.tools.map((t: any) => t.name)).toEqual(["bash", "read", "write", "edit", "glob", "grep", "web_fetch", "web_search"]);
    const replayed = second.messages[1];
    expect(replayed.role).toBe("assistant");
    expect(replayed.content.map((b: any) => b.type)).toEqual(["server_tool_use", "web_search_tool_result", "text"]);
    expect(replayed.content[1].content[0].encrypted_content).toMatch(/^enc_/);
  });

  it("resumes a turn the upstream paused (pause_turn), tying the late result to its call", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] }, selfHosted);
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[web_search:slow query]][[pause_turn]][[text:resumed]]")] });
    const events = await waitForIdle(client, session.id);
    const use = events.find((e) => e.type === "agent.tool_use") as any;
    expect(events.filter((e) => e.type.startsWith("span.model_request_") || e.type.startsWith("agent.")).map((e) => e.type)).toEqual([
      "span.model_request_start",
      "agent.tool_use",
      "span.model_request_end",
      "span.model_request_start",
      "agent.tool_result",
      "agent.message",
      "span.model_request_end",
    ]);
    expect(events.find((e) => e.type === "agent.tool_result")).toMatchObject({ tool_use_id: use.id, is_error: false });
    expect(events.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    const [, resumed] = await modelRequests(session.id);
    expect(resumed.messages.at(-1)).toMatchObject({ role: "assistant", content: [{ type: "server_tool_use", name: "web_search" }] });
  });

  it("is not offered when disabled, and bad domain lists are rejected with no agent written", async () => {
    const { client, agent, environment } = await sessionTenant(
      { tools: [{ type: "agent_toolset_20260401", configs: [{ name: "web_search", enabled: false }, { name: "web_fetch", enabled: false }] }] },
      selfHosted,
    );
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[web_search:anything]]")] });
    const events = await waitForIdle(client, session.id);
    expect(events.filter((e) => e.type === "agent.message").map((e: any) => e.content[0].text)).toContain("web_search is not offered");
    expect((await modelRequests(session.id))[0].tools.map((t: any) => t.name)).not.toContain("web_search");

    const before = (await collect(client.beta.agents.list())).length;
    for (const configs of [
      [{ name: "web_search", allowed_domains: [] }],
      [{ name: "web_search", allowed_domains: ["a.example"], blocked_domains: ["b.example"] }],
      [{ name: "web_fetch", allowed_domains: ["https://a.example/"] }],
      [{ name: "web_fetch", url_sources: { user_input: "none", client_tool_results: "none", server_tool_results: "none" } }],
      [{ name: "web_search", user_location: { type: "approximate", country: "france" } }],
    ]) {
      await expectApiError(
        client.beta.agents.create({ name: "bad", model: "claude-fake-1", tools: [{ type: "agent_toolset_20260401", configs: configs as any }] }),
        400,
        "invalid_request_error",
      );
    }
    expect((await collect(client.beta.agents.list())).length).toBe(before);
  });
});

describe("web_fetch", () => {
  it("is run by the brain with no credential, enforcing allowed_domains and max_content_tokens", async () => {
    const requests = serveWeb({
      "docs.example.test/page": html(
        "<html><head><title>Docs</title><style>p{}</style><script>alert(1)</script></head><body><h1>Hello &amp; welcome</h1><p>First paragraph.</p><p>" +
          "x".repeat(400) +
          "</p></body></html>",
      ),
    });
    const { client, agent, environment } = await sessionTenant(
      { tools: [{ type: "agent_toolset_20260401", configs: [{ name: "web_fetch", allowed_domains: ["docs.example.test"], max_content_tokens: 20 }] }] },
      selfHosted,
    );
    const vault = await client.beta.vaults.create({ display_name: "secrets" });
    await client.beta.vaults.credentials.create(vault.id, {
      auth: { type: "static_bearer", mcp_server_url: "https://docs.example.test/mcp", token: "SECRET-bearer-must-not-travel" },
    });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, vault_ids: [vault.id] });
    await client.beta.sessions.events.send(session.id, {
      events: [say(call("web_fetch", { url: "https://docs.example.test/page" }) + call("web_fetch", { url: "https://evil.example.test/" }) + "[[next]][[text:read]]")],
    });
    // A self-hosted environment with no worker polling: only the brain can have answered.
    const events = await waitForIdle(client, session.id, 1, 20_000);
    const uses = events.filter((e) => e.type === "agent.tool_use") as any[];
    expect(uses.map((u) => [u.name, u.evaluated_permission])).toEqual([["web_fetch", "allow"], ["web_fetch", "allow"]]);
    const results = events.filter((e) => e.type === "agent.tool_result") as any[];
    const page = results.find((r) => r.tool_use_id === uses[0].id);
    expect(page.is_error).toBe(false);
    const text: string = page.content[0].text;
    expect(text).toMatch(/^URL: https:\/\/docs\.example\.test\/page\nContent-Type: text\/html\n\nDocs\nHello & welcome\nFirst paragraph\.\nx+/);
    expect(text).not.toMatch(/alert|<|p\{\}/);
    expect(text).toMatch(/\[truncated: the content exceeds 20 tokens\]$/);
    expect(results.find((r) => r.tool_use_id === uses[1].id)).toMatchObject({
      is_error: true,
      content: [{ text: "web_fetch: evil.example.test is not in this agent's allowed_domains" }],
    });
    expect(events.filter((e) => e.type === "user.tool_result")).toEqual([]);
    expect(events.filter((e) => e.type === "agent.message").map((e: any) => e.content[0].text)).toEqual(["read"]);

    expect(requests.map((r) => r.url)).toEqual(["https://docs.example.test/page"]);
    expect(Object.keys(requests[0].headers).sort()).toEqual(["accept", "user-agent"]);
    expect(JSON.stringify(requests)).not.toContain("SECRET");
    // The model got both results back as tool results.
    const last = (await modelRequests(session.id)).at(-1);
    expect(last.messages.at(-1).content.map((b: any) => [b.type, b.is_error ?? false])).toEqual([
      ["tool_result", false],
      ["tool_result", true],
    ]);
  });

  it("waits for confirmation under always_ask, takes no result from clients, then runs in the brain", async () => {
    const requests = serveWeb({ "docs.example.test/ok": () => new Response("fine", { headers: { "content-type": "text/plain" } }) });
    const { client, agent, environment } = await sessionTenant(
      { tools: [{ type: "agent_toolset_20260401", configs: [{ name: "web_fetch", permission_policy: { type: "always_ask" } }] }] },
      selfHosted,
    );
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say(call("web_fetch", { url: "https://docs.example.test/ok" }) + "[[next]][[text:ok]]")] });
    const held = await waitForIdle(client, session.id);
    const use = held.find((e) => e.type === "agent.tool_use") as any;
    expect(use).toMatchObject({ evaluated_permission: "ask", evaluation: { type: "always_ask" } });
    expect(requests).toEqual([]);
    await expectRejected(
      client.beta.sessions.events.send(session.id, { events: [{ type: "user.tool_result", tool_use_id: use.id, content: [{ type: "text", text: "forged" }] }] }),
      400,
      "invalid_request_error",
      /server runs itself/,
    );
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.tool_confirmation", tool_use_id: use.id, result: "allow" }] });
    const events = await waitForIdle(client, session.id, 2);
    expect(events.find((e) => e.type === "agent.tool_result")).toMatchObject({ tool_use_id: use.id, is_error: false, content: [{ text: expect.stringMatching(/fine$/) }] });
    expect(JSON.stringify(events)).not.toContain("forged");
    expect(requests.map((r) => r.url)).toEqual(["https://docs.example.test/ok"]);
  });

  it("fetches only URLs its url_sources allow, and re-checks blocked_domains on every redirect", async () => {
    const requests = serveWeb({
      "docs.example.test/listed": () => new Response("listed page", { headers: { "content-type": "text/plain" } }),
      "docs.example.test/hop": () => new Response(null, { status: 302, headers: { location: "https://ads.example.test/landing" } }),
    });
    const { client, agent, environment } = await sessionTenant(
      {
        tools: [
          {
            type: "agent_toolset_20260401",
            configs: [{ name: "web_fetch", blocked_domains: ["ads.example.test"], url_sources: { user_input: "all", client_tool_results: "none", server_tool_results: "none" } }],
          },
        ],
      },
      selfHosted,
    );
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const script =
      "Read https://docs.example.test/listed and https://docs.example.test/hop please. " +
      call("web_fetch", { url: "https://docs.example.test/listed" }) +
      // Escaped slashes: the script is itself a user message, and this URL must not appear in it.
      '[[tool:web_fetch {"url":"https:\\u002f\\u002fdocs.example.test/unlisted"}]]' +
      call("web_fetch", { url: "https://docs.example.test/hop" }) +
      "[[next]][[text:done]]";
    await client.beta.sessions.events.send(session.id, { events: [say(script)] });
    const events = await waitForIdle(client, session.id, 1, 20_000);
    const uses = events.filter((e) => e.type === "agent.tool_use") as any[];
    const resultOf = (i: number) => events.find((e) => e.type === "agent.tool_result" && (e as any).tool_use_id === uses[i].id) as any;
    expect(resultOf(0)).toMatchObject({ is_error: false, content: [{ text: expect.stringMatching(/listed page$/) }] });
    expect(resultOf(1)).toMatchObject({ is_error: true, content: [{ text: expect.stringMatching(/has not appeared in a source .*url_sources/) }] });
    expect(resultOf(2)).toMatchObject({
      is_error: true,
      content: [{ text: "web_fetch: ads.example.test is in this agent's blocked_domains (redirected from https://docs.example.test/hop)" }],
    });
    expect(requests.map((r) => r.url)).toEqual(["https://docs.example.test/listed", "https://docs.example.test/hop"]);
  });
});
