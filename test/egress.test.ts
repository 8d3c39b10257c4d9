import { afterEach, describe, expect, it, vi } from "vitest";
import { ContainerSandbox } from "../src/hands/containers/container-sandbox";
import { env } from "cloudflare:workers";
import { loadEgressSecrets, placeholderEnv, placeholderFor } from "../src/hands/egress-secrets";
import { FakeContainerClient } from "./helpers/fake-container";
import { allEvents, modelRequests, say, sessionTenant, waitForIdle } from "./helpers/sessions";

afterEach(() => {
  vi.restoreAllMocks();
});

interface Seen {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Answers the given hosts from inside the test isolate (the sandbox's curl fetches through globalThis.fetch). */
function interceptHosts(hosts: string[], answer = (req: Request, seen: Seen) => new Response(`hello from ${new URL(req.url).hostname}`)): Seen[] {
  const seen: Seen[] = [];
  const original = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input as RequestInfo, init);
    if (!hosts.includes(new URL(req.url).hostname)) return original(input as RequestInfo, init);
    const one = { url: req.url, headers: Object.fromEntries(req.headers), body: new TextDecoder().decode(await req.arrayBuffer()) };
    seen.push(one);
    return answer(req, one);
  });
  return seen;
}

/**
 * A cloud session whose vault holds one `environment_variable` credential, API_TOKEN (a bash-capable agent, a
 * cloud environment).
 */
async function sessionWithToken(value: string, networking: object, injection = { header: true, body: true }) {
  const tenant = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] });
  const { client, agent, environment } = tenant;
  const vault = await client.beta.vaults.create({ display_name: "env" });
  const credential = await client.beta.vaults.credentials.create(vault.id, {
    auth: { type: "environment_variable", secret_name: "API_TOKEN", secret_value: value, networking, injection_location: injection },
  } as never);
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, vault_ids: [vault.id] });
  return { ...tenant, vault, credential, session };
}

/** A container sandbox for the session, provisioned as the sandbox Durable Object does: placeholders in the shell. */
async function provisionedWithSecrets(fake: FakeContainerClient, workspaceId: string, environmentId: string, sessionId: string) {
  const secrets = await loadEgressSecrets(env, workspaceId, sessionId);
  const sandbox = new ContainerSandbox(fake, {
    sessionId,
    networking: { type: "unrestricted" },
    shellEnv: placeholderEnv(secrets),
    secretScope: { workspaceId, sessionId },
    presignedBackups: false,
  });
  await sandbox.provision({ id: environmentId, workspaceId, type: "cloud", networking: { type: "unrestricted" }, packages: {}, archivedAt: null });
  return { sandbox, secrets };
}

const bashStep = (command: string) => `[[tool:bash ${JSON.stringify({ command })}]]`;

describe("egress secret substitution (isolate sandbox)", () => {
  it("gives the sandbox a placeholder and substitutes the secret only in requests to the credential's hosts", async () => {
    const secret = `sk-env-${crypto.randomUUID()}`;
    const seen = interceptHosts(["api.allowed.test", "other.test"]);
    const { client, credential, session } = await sessionWithToken(secret, { type: "limited", allowed_hosts: ["api.allowed.test"] });

    const script = [
      bashStep(
        [
          'curl -s -H "Authorization: Bearer $API_TOKEN" -d "token=$API_TOKEN" https://api.allowed.test/x',
          'curl -s -H "X-Key: $API_TOKEN" https://other.test/y',
          "echo; env | grep API_TOKEN",
          "echo $API_TOKEN > token.txt",
        ].join("\n"),
      ),
      "[[next]]",
      bashStep("cat token.txt"),
    ].join(" ");
    await client.beta.sessions.events.send(session.id, { events: [say(script)] });
    const events = await waitForIdle(client, session.id, 1, 20_000);

    const allowed = seen.find((s) => s.url.startsWith("https://api.allowed.test/"));
    const other = seen.find((s) => s.url.startsWith("https://other.test/"));
    expect(allowed?.headers.authorization).toBe(`Bearer ${secret}`);
    expect(allowed?.body).toBe(`token=${secret}`);
    expect(other?.headers["x-key"]).toMatch(/^ma_placeholder_/);
    expect(other?.headers["x-key"]).not.toContain(secret);

    const results = events.filter((e) => e.type === "agent.tool_result") as Array<{ content: Array<{ text: string }> }>;
    expect(results).toHaveLength(2);
    const placeholder = other!.headers["x-key"];
    expect(placeholder).toContain(credential.id);
    expect(results[0].content[0].text).toContain("hello from api.allowed.test");
    expect(results[0].content[0].text).toContain(`API_TOKEN=${placeholder}`);
    expect(results[1].content[0].text).toBe(placeholder);
    expect(JSON.stringify(await allEvents(client, session.id))).not.toContain(secret);
  });
});

/** A host that reflects the request: headers as JSON, the Authorization header again in base64, the body, a header. */
const echo = (_req: Request, seen: Seen) =>
  new Response(JSON.stringify({ headers: seen.headers, encoded: btoa(seen.headers.authorization ?? ""), body: seen.body }), {
    headers: { "content-type": "application/json", "x-echo-auth": seen.headers.authorization ?? "" },
  });

describe("secrets never come back in (isolate sandbox)", () => {
  it("scrubs a reflected secret from curl's output, the sandbox's files, the event log and the model's context", async () => {
    const secret = `sk-echo-${crypto.randomUUID()}`;
    const seen = interceptHosts(["echo.allowed.test"], echo);
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] });
    const vault = await client.beta.vaults.create({ display_name: "env" });
    await client.beta.vaults.credentials.create(vault.id, {
      auth: {
        type: "environment_variable",
        secret_name: "API_TOKEN",
        secret_value: secret,
        networking: { type: "limited", allowed_hosts: ["echo.allowed.test"] },
        injection_location: { header: true, body: true },
      },
    });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, vault_ids: [vault.id] });
    const script = [
      bashStep('curl -s -i -H "Authorization: Bearer $API_TOKEN" -d "token=$API_TOKEN" https://echo.allowed.test/echo'),
      "[[next]]",
      bashStep('curl -s -o reflected.json -u "me:$API_TOKEN" https://echo.allowed.test/basic; cat reflected.json'),
    ].join(" ");
    await client.beta.sessions.events.send(session.id, { events: [say(script)] });
    await waitForIdle(client, session.id, 1, 20_000);

    // The host did get the secret (substitution works) and echoed it back in several forms...
    expect(seen[0].headers.authorization).toBe(`Bearer ${secret}`);
    expect(seen[1].headers.authorization).toBe(`Basic ${btoa(`me:${secret}`)}`);
    const events = JSON.stringify(await allEvents(client, session.id));
    // ...but nothing the sandbox, the log or the model saw holds it, raw or encoded.
    for (const form of [secret, btoa(secret).replace(/=+$/, ""), btoa(`me:${secret}`).slice(4, -4)]) {
      expect(events).not.toContain(form);
      expect(JSON.stringify(await modelRequests(session.id))).not.toContain(form);
    }
    expect(events).toContain("ma_placeholder_");
    expect(events).toContain('\\"encoded\\":');
    expect(events).toContain("x-echo-auth: Bearer ma_placeholder_");
  });

  it("substitutes into the request body only when the credential opts in (injection_location.body)", async () => {
    const secret = `sk-body-${crypto.randomUUID()}`;
    const seen = interceptHosts(["api.default.test"]);
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] });
    const vault = await client.beta.vaults.create({ display_name: "env" });
    const credential = await client.beta.vaults.credentials.create(vault.id, {
      auth: { type: "environment_variable", secret_name: "API_TOKEN", secret_value: secret, networking: { type: "limited", allowed_hosts: ["api.default.test"] } },
    });
    expect(credential.auth).toMatchObject({ injection_location: { header: true, body: false } });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, vault_ids: [vault.id] });
    await client.beta.sessions.events.send(session.id, {
      events: [say(bashStep('curl -s -H "X-Key: $API_TOKEN" -d "token=$API_TOKEN" https://api.default.test/x'))],
    });
    await waitForIdle(client, session.id, 1, 20_000);
    expect(seen[0].headers["x-key"]).toBe(secret);
    expect(seen[0].body).toBe(`token=${placeholderFor(credential.id)}`);
  });
});

describe("egress secret substitution (container sandbox, outbound interception)", () => {
  it("gives the shell placeholders and substitutes at the outbound handler from the vault, per request", async () => {
    const [first, second] = [`sk-ctr-${crypto.randomUUID()}`, `sk-ctr-${crypto.randomUUID()}`];
    const seen = interceptHosts(["api.allowed.test", "other.test", "echo.allowed.test"]);
    const { client, workspaceId, environment, vault, credential, session } = await sessionWithToken(
      first,
      { type: "limited", allowed_hosts: ["*.allowed.test"] },
      { header: true, body: false },
    );
    const fake = new FakeContainerClient();
    const { sandbox } = await provisionedWithSecrets(fake, workspaceId, environment.id, session.id);
    // Only the session's identity reaches the container's Durable Object, never a secret value.
    expect(fake.policy).toEqual({ internet: true, allowedHosts: null, secrets: { workspaceId, sessionId: session.id } });

    const placeholder = placeholderFor(credential.id);
    const result = await sandbox.exec('curl -s -H "Authorization: Bearer $API_TOKEN" https://api.allowed.test/; echo; curl -s -H "X-Key: $API_TOKEN" https://other.test/; echo; env | grep API_TOKEN');
    expect(seen.map((o) => [o.url, o.headers.authorization ?? o.headers["x-key"]])).toEqual([
      ["https://api.allowed.test/", `Bearer ${first}`],
      ["https://other.test/", placeholder],
    ]);
    expect(result.output).toContain(`API_TOKEN=${placeholder}`);
    expect(result.output).not.toContain(first);

    // Rotation takes effect on the next request, without reprovisioning.
    await client.beta.vaults.credentials.update(credential.id, { vault_id: vault.id, auth: { type: "environment_variable", secret_value: second } } as never);
    await sandbox.exec('curl -s -H "Authorization: Bearer $API_TOKEN" https://api.allowed.test/');
    expect(seen.at(-1)?.headers.authorization).toBe(`Bearer ${second}`);
    // Deleted: the placeholder leaves as it is.
    await client.beta.vaults.credentials.delete(credential.id, { vault_id: vault.id });
    await sandbox.exec('curl -s -H "Authorization: Bearer $API_TOKEN" https://api.allowed.test/');
    expect(seen.at(-1)?.headers.authorization).toBe(`Bearer ${placeholder}`);
    expect(JSON.stringify(fake.commands)).not.toContain(first);
  });

  it("scrubs a secret an allowed host echoes back before the response enters the container", async () => {
    const secret = `sk-echo-${crypto.randomUUID()}`;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input as RequestInfo, init);
      return new Response(`you sent ${req.headers.get("authorization")}`);
    });
    const { workspaceId, environment, session } = await sessionWithToken(secret, { type: "unrestricted" }, { header: true, body: false });
    const { sandbox, secrets } = await provisionedWithSecrets(new FakeContainerClient(), workspaceId, environment.id, session.id);
    const result = await sandbox.exec('curl -s -H "Authorization: Bearer $API_TOKEN" https://echo.test/');
    expect(result.output).toBe(`you sent Bearer ${secrets[0].placeholder}`);
  });

  it("refuses an outbound handler the Sandbox class did not register", async () => {
    const sandbox = new ContainerSandbox(new FakeContainerClient({ handlers: {} }), {
      sessionId: "sesn_x",
      networking: { type: "unrestricted" },
      shellEnv: {},
      secretScope: { workspaceId: "w", sessionId: "sesn_x" },
      presignedBackups: false,
    });
    await expect(sandbox.isProvisioned()).rejects.toThrow(/Outbound handler method 'substituteSecrets' not found/);
  });
});
