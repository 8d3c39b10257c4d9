import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { expectApiError } from "./helpers/assertions";
import { newTenant } from "./helpers/client";
import { expectRejected, say, sessionTenant, waitForIdle } from "./helpers/sessions";
import { zip } from "../src/lib/zip";
import { openRepositoryToken } from "../src/sessions/repository-token";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The session's index row as D1 holds it: what an operator (or a leaked backup) would see. */
const storedResources = async (sessionId: string) =>
  (await env.DB.prepare("SELECT resources FROM sessions WHERE id = ?").bind(sessionId).first<{ resources: string }>())!.resources;

/** api.github.com and its download host, answered in-process; records what each request carried. */
function fakeGitHub(files: Record<string, string>) {
  const requests: { url: string; authorization: string | null }[] = [];
  const original = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input as RequestInfo, init);
    const url = new URL(req.url);
    if (url.hostname === "api.github.com") {
      requests.push({ url: req.url, authorization: req.headers.get("authorization") });
      return new Response(null, { status: 302, headers: { location: `https://codeload.github.test/acme/app/zip/${url.pathname.split("/").pop()}` } });
    }
    if (url.hostname === "codeload.github.test") {
      requests.push({ url: req.url, authorization: req.headers.get("authorization") });
      const entries = Object.entries(files).map(([path, text]) => ({ path: `acme-app-0123abc/${path}`, bytes: new TextEncoder().encode(text) }));
      return new Response(zip(entries), { headers: { "content-type": "application/zip" } });
    }
    return original(input as RequestInfo, init);
  });
  return requests;
}

describe("github_repository tokens", () => {
  it("are sealed at rest, bound to their workspace and resource, and never rendered", async () => {
    const { client, agent, environment, workspaceId } = await sessionTenant();
    const token = `ghp_${crypto.randomUUID()}`;
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      resources: [{ type: "github_repository", url: "https://github.com/acme/app", authorization_token: token }],
    });
    const repo = session.resources[0] as any;
    expect(JSON.stringify(session)).not.toContain(token);
    expect(repo).not.toHaveProperty("sealed_authorization_token");
    expect(JSON.stringify(await client.beta.sessions.retrieve(session.id))).not.toContain(token);

    const stored = JSON.parse(await storedResources(session.id));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored[0]).not.toHaveProperty("authorization_token");
    expect(stored[0].sealed_authorization_token).toMatch(/^v1\./);
    expect(await openRepositoryToken(env, workspaceId, stored[0])).toBe(token);
    // The envelope opens for its own resource only: moved to another resource or tenant, it fails.
    await expect(openRepositoryToken(env, workspaceId, { ...stored[0], id: "sesrsc_other" })).rejects.toThrow(/authentication/);
    await expect(openRepositoryToken(env, "wrkspc_other", stored[0])).rejects.toThrow(/authentication/);

    // Rotation seals the new token and drops the old one.
    const rotated = `ghp_${crypto.randomUUID()}`;
    const updated = await client.beta.sessions.resources.update(repo.id, { session_id: session.id, authorization_token: rotated });
    expect(JSON.stringify(updated)).not.toContain(rotated);
    const after = JSON.parse(await storedResources(session.id));
    expect(JSON.stringify(after)).not.toContain(rotated);
    expect(await openRepositoryToken(env, workspaceId, after[0])).toBe(rotated);

    // A bad rotation writes nothing; another tenant cannot rotate (404) and the row is unchanged.
    const before = await storedResources(session.id);
    await expectRejected(
      client.beta.sessions.resources.update(repo.id, { session_id: session.id, authorization_token: "" }),
      400,
      "invalid_request_error",
      /authorization_token/,
    );
    const other = await newTenant();
    await expectApiError(other.client.beta.sessions.resources.update(repo.id, { session_id: session.id, authorization_token: "ghp_evil" }), 404, "not_found_error");
    expect(await storedResources(session.id)).toBe(before);
  });

  it("are opened only to fetch the checkout into the cloud sandbox, and never reach the download host", async () => {
    const requests = fakeGitHub({ "README.md": "hello from the repo\n", "src/index.ts": "export {};\n" });
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] });
    const token = `ghp_${crypto.randomUUID()}`;
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      resources: [
        { type: "github_repository", url: "https://github.com/acme/app.git", authorization_token: token, checkout: { type: "branch", name: "main" } },
      ],
    });
    await client.beta.sessions.events.send(session.id, {
      events: [say('[[tool:bash {"command":"cat /workspace/app/README.md; ls /workspace/app/src; env | grep -c ghp_ || true"}]][[next]][[text:ok]]')],
    });
    const events = await waitForIdle(client, session.id, 1, 20_000);
    const result = events.find((e) => e.type === "agent.tool_result") as any;
    expect(result.content[0].text).toBe("hello from the repo\nindex.ts\n0");
    expect(requests).toEqual([
      { url: "https://api.github.com/repos/acme/app/zipball/main", authorization: `Bearer ${token}` },
      { url: "https://codeload.github.test/acme/app/zip/main", authorization: null },
    ]);
    expect(JSON.stringify(events)).not.toContain(token);
  });
});
