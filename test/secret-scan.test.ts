import type Anthropic from "@anthropic-ai/sdk";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { newTenant, sdk, worker } from "./helpers/client";
import { serveMcp } from "./helpers/mcp-server";
import { allEvents, modelRequests, say, waitForIdle } from "./helpers/sessions";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Every secret value planted in this test: none may ever come back out. */
const planted: string[] = [];
const plant = (label: string) => {
  const value = `SECRET-${label}-${crypto.randomUUID()}`;
  planted.push(value);
  return value;
};

/** An SDK client that keeps every response body the Worker sends it (streams included, as far as read). */
function recordingClient(apiKey: string) {
  const bodies: Promise<string>[] = [];
  const client = sdk(apiKey, {
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await worker.fetch(input as RequestInfo, init);
      bodies.push(readAll(res.clone()));
      return res;
    },
  });
  return { client, bodies };
}

async function readAll(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A stream the client stopped reading: what arrived is what is scanned.
  }
  return text;
}

function recordConsole(): string[] {
  const lines: string[] = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[level].bind(console);
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.message}\n${a.stack}` : JSON.stringify(a))).join(" "));
      original(...args);
    });
  }
  return lines;
}

async function streamUntilIdle(client: Anthropic, sessionId: string, send: () => Promise<unknown>) {
  const stream = await client.beta.sessions.events.stream(sessionId);
  await send();
  const seen: unknown[] = [];
  for await (const event of stream) {
    seen.push(event);
    if (event.type === "session.status_idle") break;
  }
  return seen;
}

const hits = (haystack: string) => planted.filter((secret) => haystack.includes(secret));

describe("secret scan", () => {
  it("no credential secret appears in any API response, event, model request or console line", async () => {
    const consoleLines = recordConsole();
    const mcp = serveMcp();
    const host = new URL(mcp.url).host;
    const { apiKey } = await newTenant();
    const { client, bodies } = recordingClient(apiKey);

    // Planted values: every secret field of every credential type, and the tokens a refresh hands out.
    const bearer = plant("bearer");
    mcp.accepted.add(bearer);
    const staleAccess = plant("oauth-access");
    const refreshToken = plant("oauth-refresh");
    const clientSecret = plant("oauth-client-secret");
    const freshAccess = plant("oauth-fresh-access");
    const rotatedRefresh = plant("oauth-rotated-refresh");
    mcp.refreshGrants.set(refreshToken, { access_token: freshAccess, refresh_token: rotatedRefresh, expires_in: 3600 });
    const envSecret = plant("env");
    const wrongBearer = plant("wrong-bearer");
    const repoToken = plant("repo-token");
    const rotatedRepoToken = plant("repo-token-rotated");

    // Requests the sandbox makes to the env credential's host.
    const outbound: string[] = [];
    const githubAuthorizations: string[] = [];
    const spy = vi.mocked(globalThis.fetch);
    const mcpImpl = spy.getMockImplementation()!;
    spy.mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input as RequestInfo, init);
      if (new URL(req.url).hostname === "api.allowed.test") {
        outbound.push(req.headers.get("authorization") ?? "");
        return new Response("pong");
      }
      if (new URL(req.url).hostname === "api.github.com") {
        // The repository clone path: the token goes here and nowhere else; a failed clone is logged.
        githubAuthorizations.push(req.headers.get("authorization") ?? "");
        return new Response("Not Found", { status: 404 });
      }
      return mcpImpl(input as RequestInfo, init);
    });

    const toolset = (server: string) => ({ type: "mcp_toolset" as const, mcp_server_name: server, default_config: { permission_policy: { type: "always_allow" as const } } });
    const agent = await client.beta.agents.create({
      name: "scanned",
      model: "claude-fake-1",
      mcp_servers: [{ type: "url", name: "tools", url: mcp.url }],
      tools: [{ type: "agent_toolset_20260401" }, toolset("tools")],
    });
    const environment = await client.beta.environments.create({ name: `env-${crypto.randomUUID()}`, config: { type: "cloud" } });

    const bearerVault = await client.beta.vaults.create({ display_name: "bearer" });
    await client.beta.vaults.credentials.create(bearerVault.id, { auth: { type: "static_bearer", mcp_server_url: mcp.url, token: bearer } });
    const oauthVault = await client.beta.vaults.create({ display_name: "oauth" });
    const oauth = await client.beta.vaults.credentials.create(oauthVault.id, {
      auth: {
        type: "mcp_oauth",
        mcp_server_url: mcp.url,
        access_token: staleAccess,
        refresh: {
          client_id: "scan-client",
          refresh_token: refreshToken,
          token_endpoint: `https://${host}/oauth/token`,
          token_endpoint_auth: { type: "client_secret_post", client_secret: clientSecret },
        },
      },
    });
    const envVault = await client.beta.vaults.create({ display_name: "env" });
    await client.beta.vaults.credentials.create(envVault.id, {
      auth: {
        type: "environment_variable",
        secret_name: "API_TOKEN",
        secret_value: envSecret,
        networking: { type: "limited", allowed_hosts: ["api.allowed.test"] },
      },
    } as never);
    const wrongVault = await client.beta.vaults.create({ display_name: "wrong" });
    await client.beta.vaults.credentials.create(wrongVault.id, { auth: { type: "static_bearer", mcp_server_url: mcp.url, token: wrongBearer } });

    const sessions: string[] = [];
    const run = async (vaultIds: string[], text: string) => {
      const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, vault_ids: vaultIds });
      sessions.push(session.id);
      const streamed = await streamUntilIdle(client, session.id, () => client.beta.sessions.events.send(session.id, { events: [say(text)] }));
      expect(hits(JSON.stringify(streamed))).toEqual([]);
      return waitForIdle(client, session.id);
    };
    const call = (tool: string, input: object) => `[[tool:${tool} ${JSON.stringify(input)}]]`;

    const bearerEvents = await run([bearerVault.id], call("mcp__tools__echo", { text: "a" }));
    expect(bearerEvents.find((e) => e.type === "agent.mcp_tool_result")).toMatchObject({ is_error: false });
    const oauthEvents = await run([oauthVault.id], call("mcp__tools__add", { a: 1, b: 2 }));
    expect(oauthEvents.find((e) => e.type === "agent.mcp_tool_result")).toMatchObject({ is_error: false });
    expect(mcp.authorizations).toContain(`Bearer ${freshAccess}`);
    const envEvents = await run(
      [envVault.id],
      call("bash", { command: 'curl -s -H "Authorization: Bearer $API_TOKEN" https://api.allowed.test/; echo; env; echo $API_TOKEN' }),
    );
    expect(envEvents.find((e) => e.type === "agent.tool_result")).toMatchObject({ is_error: false });
    expect(outbound).toEqual([`Bearer ${envSecret}`]);
    const wrongEvents = await run([wrongVault.id], "hello");

    // A repository resource: its token is sealed at rest, rotated, and opened only for the clone.
    const repoSession = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      resources: [{ type: "github_repository", url: "https://github.com/acme/private", authorization_token: repoToken }],
    });
    sessions.push(repoSession.id);
    const repoResource = repoSession.resources[0] as { id: string };
    await client.beta.sessions.resources.update(repoResource.id, { session_id: repoSession.id, authorization_token: rotatedRepoToken });
    await client.beta.sessions.resources.list(repoSession.id);
    await client.beta.sessions.resources.retrieve(repoResource.id, { session_id: repoSession.id });
    await streamUntilIdle(client, repoSession.id, () =>
      client.beta.sessions.events.send(repoSession.id, { events: [say(`${call("bash", { command: "ls /workspace; env" })}[[next]][[text:ok]]`)] }),
    );
    expect(githubAuthorizations).toEqual([`Bearer ${rotatedRepoToken}`]);
    const storedRows = await env.DB.prepare("SELECT resources FROM sessions WHERE id = ?").bind(repoSession.id).all();
    expect(hits(JSON.stringify(storedRows.results))).toEqual([]);
    expect(wrongEvents.find((e) => e.type === "session.error")).toMatchObject({ error: { type: "mcp_authentication_failed_error" } });

    // Reads a client may make afterwards: credentials, vaults, sessions, events.
    for (const vault of [bearerVault, oauthVault, envVault, wrongVault]) {
      await client.beta.vaults.retrieve(vault.id);
      for await (const credential of client.beta.vaults.credentials.list(vault.id)) {
        await client.beta.vaults.credentials.retrieve(credential.id, { vault_id: vault.id });
      }
    }
    await client.beta.vaults.credentials.retrieve(oauth.id, { vault_id: oauthVault.id });
    for (const id of sessions) {
      await client.beta.sessions.retrieve(id);
      expect(hits(JSON.stringify(await allEvents(client, id)))).toEqual([]);
      expect(hits(JSON.stringify(await modelRequests(id)))).toEqual([]);
    }

    const responses = await Promise.all(bodies);
    expect(responses.length).toBeGreaterThan(20);
    expect(hits(responses.join("\n"))).toEqual([]);
    expect(consoleLines.length).toBeGreaterThan(0);
    expect(hits(consoleLines.join("\n"))).toEqual([]);
    // The scan can see a secret when there is one: the planted values did travel where they belong.
    expect(hits(mcp.authorizations.join("\n")).length).toBeGreaterThanOrEqual(3);
    expect(hits(githubAuthorizations.join("\n"))).toEqual([rotatedRepoToken]);
  });
});
