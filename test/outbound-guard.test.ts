import { afterEach, describe, expect, it, vi } from "vitest";
import { outboundRefusal } from "../src/lib/outbound-guard";
import { expectApiError } from "./helpers/assertions";
import { say, selfHosted, sessionTenant, waitForIdle } from "./helpers/sessions";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Every outbound request the Worker makes lands here: public test hosts answer, anything else is recorded and refused. */
function recordFetches(pages: Record<string, () => Response>) {
  const requests: string[] = [];
  const original = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input as RequestInfo, init);
    const url = new URL(req.url);
    if (url.hostname === "fake-model.test") return original(input as RequestInfo, init);
    requests.push(req.url);
    const page = pages[`${url.hostname}${url.pathname}`];
    return page ? page() : new Response(`reached ${req.url}`, { headers: { "content-type": "text/plain" } });
  });
  return requests;
}

const call = (tool: string, input: object) => `[[tool:${tool} ${JSON.stringify(input)}]]`;
const text = (e: any) => e.content[0].text as string;

const FORBIDDEN = [
  "http://127.0.0.1:8790/_fake/requests",
  "http://2130706433/",
  "http://0x7f.0.0.1/",
  "http://0177.0.0.1/",
  "http://127.1/",
  "http://[::1]/",
  "http://[::ffff:127.0.0.1]/",
  "http://169.254.169.254/latest/meta-data/",
  "http://[::ffff:169.254.169.254]/",
  "http://10.1.2.3/",
  "http://172.16.0.1/",
  "http://192.168.0.1./",
  "http://100.64.0.1/",
  "http://[fd12::1]/",
  "http://[fe80::1]/",
  "http://0.0.0.0/",
  "http://localhost/",
  "http://localhost./",
  "http://api.localhost/",
  "http://metadata.google.internal/computeMetadata/v1/",
];

describe("the outbound guard", () => {
  it("refuses loopback, private, link-local, CGNAT and metadata targets in every spelling, and the deployment's own host", () => {
    const policy = { allowLoopback: false, ownHosts: ["agents.example.com"] };
    for (const url of FORBIDDEN) expect(outboundRefusal(url, policy), url).not.toBeNull();
    expect(outboundRefusal("https://agents.example.com./v1/agents", policy)).toMatch(/own hostname/);
    for (const url of ["https://example.com/", "https://example.com./", "http://8.8.8.8/", "http://[2606:4700::1111]/"]) {
      expect(outboundRefusal(url, policy), url).toBeNull();
    }
    // The local-development exemption covers loopback and nothing else.
    const dev = { allowLoopback: true, ownHosts: [] };
    expect(outboundRefusal("http://127.0.0.1:8790/", dev)).toBeNull();
    expect(outboundRefusal("http://localhost:8787/", dev)).toBeNull();
    expect(outboundRefusal("http://10.0.0.1/", dev)).not.toBeNull();
    expect(outboundRefusal("http://169.254.169.254/", dev)).not.toBeNull();
  });

  it("web_fetch refuses every forbidden target, on the first URL and on a redirect hop, without sending a request", async () => {
    const requests = recordFetches({
      "docs.example.test/hop": () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } }),
    });
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] }, selfHosted);
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const urls = [...FORBIDDEN, "https://docs.example.test/hop"];
    await client.beta.sessions.events.send(session.id, { events: [say(urls.map((url) => call("web_fetch", { url })).join("") + "[[next]][[text:done]]")] });
    const events = await waitForIdle(client, session.id, 1, 30_000);
    const results = events.filter((e) => e.type === "agent.tool_result") as any[];
    expect(results).toHaveLength(urls.length);
    for (const r of results) {
      expect(r.is_error, text(r)).toBe(true);
      expect(text(r)).toMatch(/address, which this server does not fetch|local or internal name/);
    }
    expect(text(results.at(-1))).toMatch(/169\.254\.169\.254 .*redirected from https:\/\/docs\.example\.test\/hop/);
    expect(requests).toEqual(["https://docs.example.test/hop"]);
  });

  it("web_fetch honours the environment's limited networking, and blocked_domains cannot be dodged with a trailing dot", async () => {
    const requests = recordFetches({});
    const { client, agent, environment } = await sessionTenant(
      { tools: [{ type: "agent_toolset_20260401", configs: [{ name: "web_fetch", blocked_domains: ["evil.example.test"] }] }] },
      { config: { type: "cloud", networking: { type: "limited", allowed_hosts: ["docs.example.test", "evil.example.test"] } } },
    );
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const script = [
      call("web_fetch", { url: "https://docs.example.test/ok" }),
      call("web_fetch", { url: "https://other.example.test/x" }),
      call("web_fetch", { url: "https://evil.example.test./x" }),
      call("web_fetch", { url: "https://EVIL.example.test../x" }),
      "[[next]][[text:done]]",
    ].join("");
    await client.beta.sessions.events.send(session.id, { events: [say(script)] });
    const events = await waitForIdle(client, session.id, 1, 20_000);
    const uses = events.filter((e) => e.type === "agent.tool_use");
    const results = uses.map((u) => events.find((e) => e.type === "agent.tool_result" && (e as any).tool_use_id === u.id)) as any[];
    expect(results.map((r) => r.is_error)).toEqual([false, true, true, true]);
    expect(text(results[1])).toMatch(/other\.example\.test is not allowed by the environment's network policy/);
    expect(text(results[2])).toMatch(/evil\.example\.test is in this agent's blocked_domains/);
    expect(text(results[3])).toMatch(/evil\.example\.test is in this agent's blocked_domains/);
    expect(requests).toEqual(["https://docs.example.test/ok"]);
  });

  it("the isolate sandbox's curl refuses loopback and metadata even with unrestricted networking", async () => {
    const requests = recordFetches({});
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const command = "curl http://127.0.0.1:8790/_fake/requests; echo; curl http://[::ffff:169.254.169.254]/; echo; curl -s https://docs.example.test/fine";
    await client.beta.sessions.events.send(session.id, { events: [say(call("bash", { command }))] });
    const events = await waitForIdle(client, session.id, 1, 20_000);
    const output = text(events.find((e) => e.type === "agent.tool_result"));
    expect(output).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(output).toMatch(/is a link-local address/);
    expect(output).toContain("reached https://docs.example.test/fine");
    expect(requests).toEqual(["https://docs.example.test/fine"]);
  });

  it("refuses to register webhook endpoints, MCP credentials and token endpoints the server could not fetch", async () => {
    const { client, vault } = await (async () => {
      const t = await sessionTenant();
      return { ...t, vault: await t.client.beta.vaults.create({ display_name: "v" }) };
    })();
    const rejects = async (p: Promise<unknown>, field: RegExp) => {
      const err = await expectApiError(p, 400, "invalid_request_error");
      expect(err.error.error.message).toMatch(field);
    };
    const hook = (url: string) => client.beta.organization.webhooks.create({ url, enabled_events: ["external_storage.failed"] });
    await rejects(hook("http://localhost:8787/hooks"), /^url: localhost is a local or internal name/);
    await rejects(hook("https://10.0.0.1/hooks"), /^url: 10\.0\.0\.1 is a private address/);
    await rejects(hook("https://[::ffff:a9fe:a9fe]/hooks"), /^url: .* is a link-local address/);
    await rejects(
      client.beta.vaults.credentials.create(vault.id, {
        auth: {
          type: "mcp_oauth",
          mcp_server_url: "https://mcp.example.test/mcp",
          access_token: "t",
          refresh: { client_id: "c", refresh_token: "r", token_endpoint: "https://169.254.169.254/token", token_endpoint_auth: { type: "none" } },
        },
      }),
      /^auth\.refresh\.token_endpoint: 169\.254\.169\.254 is a link-local address/,
    );
    await rejects(
      client.beta.vaults.credentials.create(vault.id, { auth: { type: "static_bearer", mcp_server_url: "http://localhost:8787/mcp", token: "t" } }),
      /^auth\.mcp_server_url: localhost/,
    );
  });

  it("an MCP server on the open internet is reached through the guard: a loopback URL is a typed connection failure", async () => {
    const requests = recordFetches({});
    // Registration cannot judge an MCP URL (a tunnel may route its host into a private network): the connection does.
    const { client, agent, environment } = await sessionTenant(
      { mcp_servers: [{ type: "url", name: "tools", url: "http://127.0.0.1:8790/mcp" }], tools: [{ type: "mcp_toolset", mcp_server_name: "tools" }] } as never,
      selfHosted,
    );
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("hi")] });
    const events = await waitForIdle(client, session.id, 1, 20_000);
    expect(events.find((e) => e.type === "session.error")).toMatchObject({
      error: { type: "mcp_connection_failed_error", mcp_server_name: "tools", message: expect.stringMatching(/127\.0\.0\.1 is a loopback address/) },
    });
    expect(requests).toEqual([]);
  });
});
