import Anthropic from "@anthropic-ai/sdk";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../src/app";
import { database } from "../src/db/client";
import { credentialForMcpServer, resolveCredentials } from "../src/db/queries/credentials";
import { secretBox } from "../src/lib/secret-box";
import { expectApiError as rejects } from "./helpers/assertions";
import { newTenant, sdk, worker } from "./helpers/client";

type Client = Anthropic;

afterEach(() => vi.restoreAllMocks());

const plant = (what: string) => `planted-${what}-${crypto.randomUUID()}`;

const MCP_URL = "https://mcp.example.com/mcp";
const TOKEN_URL = "https://auth.example.com/oauth/token";

const bearer = (url = MCP_URL, token = plant("bearer")) => ({ type: "static_bearer" as const, mcp_server_url: url, token });

function oauth(opts: { url?: string; access?: string; refresh?: string; clientSecret?: string; tokenAuth?: string } = {}) {
  const tokenAuth = opts.tokenAuth ?? "client_secret_basic";
  return {
    type: "mcp_oauth" as const,
    mcp_server_url: opts.url ?? MCP_URL,
    access_token: opts.access ?? plant("access"),
    expires_at: new Date(Date.now() + 3600_000).toISOString(),
    refresh: {
      client_id: "client-123",
      refresh_token: opts.refresh ?? plant("refresh"),
      token_endpoint: TOKEN_URL,
      token_endpoint_auth:
        tokenAuth === "none"
          ? { type: "none" as const }
          : { type: tokenAuth as "client_secret_basic", client_secret: opts.clientSecret ?? plant("client-secret") },
      scope: "read write",
      resource: "https://mcp.example.com",
    },
  };
}

const envVar = (name = "SERVICE_API_KEY", value = plant("env")) => ({
  type: "environment_variable" as const,
  secret_name: name,
  secret_value: value,
  networking: { type: "limited" as const, allowed_hosts: ["api.example.com", "*.example.org", "192.0.2.1"] },
});

async function tenantWithVault() {
  const tenant = await newTenant();
  const vault = await tenant.client.beta.vaults.create({ display_name: "Alice" });
  return { ...tenant, vault };
}

const credentialRows = async (workspaceId: string) =>
  (await env.DB.prepare("SELECT * FROM vault_credentials WHERE workspace_id = ? ORDER BY id").bind(workspaceId).all())
    .results as Array<Record<string, any>>;

const resolve = (workspaceId: string, vaultIds: string[]) =>
  resolveCredentials(database(env.DB), env, workspaceId, vaultIds);

describe("credentials: CRUD", () => {
  it("creates each auth type and renders only its public fields", async () => {
    const { client, vault } = await tenantWithVault();
    const b = await client.beta.vaults.credentials.create(vault.id, {
      auth: bearer(),
      display_name: "Linear",
      metadata: { team: "docs" },
    });
    expect(b).toEqual({
      type: "vault_credential",
      id: expect.stringMatching(/^vcrd_/),
      vault_id: vault.id,
      display_name: "Linear",
      metadata: { team: "docs" },
      auth: { type: "static_bearer", mcp_server_url: MCP_URL },
      created_at: expect.any(String),
      updated_at: b.created_at,
      archived_at: null,
    });

    const o = await client.beta.vaults.credentials.create(vault.id, {
      auth: { ...oauth({ url: "https://notion.example.com/mcp" }), expires_at: "2099-01-01T00:00:00Z" },
    });
    expect(o.display_name).toBeNull();
    expect(o.metadata).toEqual({});
    expect(o.auth).toEqual({
      type: "mcp_oauth",
      mcp_server_url: "https://notion.example.com/mcp",
      expires_at: "2099-01-01T00:00:00Z",
      refresh: {
        client_id: "client-123",
        token_endpoint: TOKEN_URL,
        token_endpoint_auth: { type: "client_secret_basic" },
        scope: "read write",
        resource: "https://mcp.example.com",
      },
    });

    const bare = await client.beta.vaults.credentials.create(vault.id, {
      auth: { type: "mcp_oauth", mcp_server_url: "https://bare.example.com/mcp", access_token: plant("a") },
    });
    expect(bare.auth).toEqual({
      type: "mcp_oauth",
      mcp_server_url: "https://bare.example.com/mcp",
      expires_at: null,
      refresh: null,
    });

    const e = await client.beta.vaults.credentials.create(vault.id, { auth: envVar() });
    expect(e.auth).toEqual({
      type: "environment_variable",
      secret_name: "SERVICE_API_KEY",
      networking: { type: "limited", allowed_hosts: ["api.example.com", "*.example.org", "192.0.2.1"] },
      injection_location: { header: true, body: false },
    });
    const open = await client.beta.vaults.credentials.create(vault.id, {
      auth: { ...envVar("OTHER"), networking: { type: "unrestricted" }, injection_location: { body: true } },
    });
    expect(open.auth).toMatchObject({ networking: { type: "unrestricted" }, injection_location: { header: true, body: true } });

    for (const credential of [b, o, bare, e, open]) {
      expect(await client.beta.vaults.credentials.retrieve(credential.id, { vault_id: vault.id })).toEqual(credential);
    }
  });

  it("pages through a vault's credentials with for await", async () => {
    const { client, vault } = await tenantWithVault();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await client.beta.vaults.credentials.create(vault.id, { auth: bearer(`https://mcp${i}.example.com/`) })).id);
    }
    const first = await client.beta.vaults.credentials.list(vault.id, { limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.next_page).toEqual(expect.any(String));
    const seen: string[] = [];
    for await (const credential of client.beta.vaults.credentials.list(vault.id, { limit: 2 })) seen.push(credential.id);
    expect(seen).toEqual([...ids].reverse());

    // A credential lists only under its own vault.
    const other = await client.beta.vaults.create({ display_name: "Bob" });
    expect((await client.beta.vaults.credentials.list(other.id)).data).toEqual([]);
    await rejects(client.beta.vaults.credentials.retrieve(ids[0], { vault_id: other.id }), 404, "not_found_error");
  });

  it("deletes a credential for good", async () => {
    const { client, vault, workspaceId } = await tenantWithVault();
    const credential = await client.beta.vaults.credentials.create(vault.id, { auth: bearer() });
    expect(await client.beta.vaults.credentials.delete(credential.id, { vault_id: vault.id })).toEqual({
      type: "vault_credential_deleted",
      id: credential.id,
    });
    await rejects(client.beta.vaults.credentials.retrieve(credential.id, { vault_id: vault.id }), 404, "not_found_error");
    expect(await credentialRows(workspaceId)).toEqual([]);
    // Deleting the vault deletes whatever credentials it still holds.
    await client.beta.vaults.credentials.create(vault.id, { auth: bearer() });
    await client.beta.vaults.delete(vault.id);
    expect(await credentialRows(workspaceId)).toEqual([]);
  });
});

describe("credentials: updates", () => {
  it("rotates a static bearer token and patches display name and metadata", async () => {
    const { client, vault, workspaceId } = await tenantWithVault();
    const created = await client.beta.vaults.credentials.create(vault.id, {
      auth: bearer(),
      display_name: "old",
      metadata: { a: "1", b: "2" },
    });
    const rotated = plant("rotated");
    const updated = await client.beta.vaults.credentials.update(created.id, {
      vault_id: vault.id,
      auth: { type: "static_bearer", token: rotated },
      display_name: "new",
      metadata: { a: null, c: "3" },
    });
    expect(updated).toMatchObject({ display_name: "new", metadata: { b: "2", c: "3" }, auth: created.auth });
    const [resolved] = await resolve(workspaceId, [vault.id]);
    expect(resolved.secrets).toEqual({ token: rotated });

    // Metadata-only update keeps the token.
    await client.beta.vaults.credentials.update(created.id, { vault_id: vault.id, metadata: { d: "4" } });
    expect((await resolve(workspaceId, [vault.id]))[0].secrets).toEqual({ token: rotated });
  });

  it("updates mcp_oauth tokens, scope, client secret and can drop the refresh config", async () => {
    const { client, vault, workspaceId } = await tenantWithVault();
    const created = await client.beta.vaults.credentials.create(vault.id, { auth: oauth() });
    const access = plant("new-access");
    const clientSecret = plant("new-client-secret");
    const expires = "2098-05-05T05:05:05Z";
    const updated = await client.beta.vaults.credentials.update(created.id, {
      vault_id: vault.id,
      auth: {
        type: "mcp_oauth",
        access_token: access,
        expires_at: expires,
        // The other client_secret_* type: the credential keeps its own.
        refresh: { scope: "", token_endpoint_auth: { type: "client_secret_post", client_secret: clientSecret } },
      },
    });
    expect(updated.auth).toMatchObject({
      expires_at: expires,
      refresh: { scope: null, token_endpoint_auth: { type: "client_secret_basic" }, client_id: "client-123" },
    });
    let [resolved] = await resolve(workspaceId, [vault.id]);
    expect(resolved.secrets).toMatchObject({ access_token: access, client_secret: clientSecret });
    expect((resolved.secrets as any).refresh_token).toMatch(/^planted-refresh-/);

    const dropped = await client.beta.vaults.credentials.update(created.id, {
      vault_id: vault.id,
      auth: { type: "mcp_oauth", refresh: null },
    });
    expect(dropped.auth).toMatchObject({ refresh: null, expires_at: expires });
    [resolved] = await resolve(workspaceId, [vault.id]);
    expect(resolved.secrets).toEqual({ access_token: access });

    // With no refresh config there is nothing to patch.
    await rejects(
      client.beta.vaults.credentials.update(created.id, { vault_id: vault.id, auth: { type: "mcp_oauth", refresh: { scope: "x" } } }),
      400,
      "invalid_request_error",
    );
  });

  it("rejects a client secret for a token endpoint that authenticates with none", async () => {
    const { client, vault } = await tenantWithVault();
    const created = await client.beta.vaults.credentials.create(vault.id, { auth: oauth({ tokenAuth: "none" }) });
    const err = await rejects(
      client.beta.vaults.credentials.update(created.id, {
        vault_id: vault.id,
        auth: { type: "mcp_oauth", refresh: { token_endpoint_auth: { type: "client_secret_basic", client_secret: "s" } } },
      }),
      400,
      "invalid_request_error",
    );
    expect(err.error.error.message).toContain("token_endpoint_auth");
  });

  it("updates environment variable injection and networking but not its name", async () => {
    const { client, vault, workspaceId } = await tenantWithVault();
    const created = await client.beta.vaults.credentials.create(vault.id, { auth: envVar() });
    const value = plant("env-rotated");
    const updated = await client.beta.vaults.credentials.update(created.id, {
      vault_id: vault.id,
      auth: {
        type: "environment_variable",
        secret_value: value,
        injection_location: { body: true },
        networking: { type: "unrestricted" },
      },
    });
    expect(updated.auth).toEqual({
      type: "environment_variable",
      secret_name: "SERVICE_API_KEY",
      networking: { type: "unrestricted" },
      injection_location: { header: true, body: true },
    });
    expect((await resolve(workspaceId, [vault.id]))[0].secrets).toEqual({ secret_value: value });

    for (const auth of [
      { type: "environment_variable", injection_location: { header: false, body: false } },
      { type: "environment_variable", secret_name: "RENAMED" },
      { type: "static_bearer", token: "x" },
    ]) {
      await rejects(
        client.beta.vaults.credentials.update(created.id, { vault_id: vault.id, auth: auth as any }),
        400,
        "invalid_request_error",
      );
    }
    expect(await client.beta.vaults.credentials.retrieve(created.id, { vault_id: vault.id })).toEqual(updated);
  });

  it("keeps identity fields immutable", async () => {
    const { client, vault } = await tenantWithVault();
    const b = await client.beta.vaults.credentials.create(vault.id, { auth: bearer() });
    const o = await client.beta.vaults.credentials.create(vault.id, { auth: oauth({ url: "https://o.example.com/" }) });
    const cases: Array<[string, unknown, string]> = [
      [b.id, { type: "static_bearer", mcp_server_url: "https://elsewhere.example.com" }, "mcp_server_url"],
      [o.id, { type: "mcp_oauth", mcp_server_url: "https://elsewhere.example.com" }, "mcp_server_url"],
      [o.id, { type: "mcp_oauth", refresh: { client_id: "other" } }, "client_id"],
      [o.id, { type: "mcp_oauth", refresh: { token_endpoint: "https://evil.example.com" } }, "token_endpoint"],
    ];
    for (const [id, auth, field] of cases) {
      const err = await rejects(
        client.beta.vaults.credentials.update(id, { vault_id: vault.id, auth: auth as any }),
        400,
        "invalid_request_error",
      );
      expect(err.error.error.message).toContain(field);
    }
  });
});

describe("credentials: archive semantics", () => {
  it("archives one way, purges the secret and frees the MCP server URL", async () => {
    const { client, vault, workspaceId } = await tenantWithVault();
    const first = await client.beta.vaults.credentials.create(vault.id, { auth: bearer() });
    const dup = await rejects(
      client.beta.vaults.credentials.create(vault.id, { auth: oauth() }),
      409,
      "conflict_error",
    );
    expect(dup.error.error.message).toContain(MCP_URL);

    const archived = await client.beta.vaults.credentials.archive(first.id, { vault_id: vault.id });
    expect(archived.archived_at).toEqual(expect.any(String));
    expect(archived.auth).toEqual(first.auth);
    expect((await client.beta.vaults.credentials.archive(first.id, { vault_id: vault.id })).archived_at).toBe(
      archived.archived_at,
    );
    expect((await credentialRows(workspaceId))[0].secrets).toBeNull();
    expect(await resolve(workspaceId, [vault.id])).toEqual([]);

    await rejects(
      client.beta.vaults.credentials.update(first.id, { vault_id: vault.id, display_name: "again" }),
      400,
      "invalid_request_error",
    );

    const second = await client.beta.vaults.credentials.create(vault.id, { auth: bearer() });
    expect((await client.beta.vaults.credentials.list(vault.id)).data.map((c) => c.id)).toEqual([second.id]);
    expect(
      (await client.beta.vaults.credentials.list(vault.id, { include_archived: true })).data.map((c) => c.id),
    ).toEqual([second.id, first.id]);
  });

  it("keeps one active credential per environment variable name", async () => {
    const { client, vault } = await tenantWithVault();
    await client.beta.vaults.credentials.create(vault.id, { auth: envVar("TOKEN") });
    await rejects(client.beta.vaults.credentials.create(vault.id, { auth: envVar("TOKEN") }), 409, "conflict_error");
    // The same name in another vault is fine.
    const other = await client.beta.vaults.create({ display_name: "other" });
    await client.beta.vaults.credentials.create(other.id, { auth: envVar("TOKEN") });
  });

  it("archiving a vault archives its credentials and closes it to new ones", async () => {
    const { client, vault, workspaceId } = await tenantWithVault();
    const a = await client.beta.vaults.credentials.create(vault.id, { auth: bearer() });
    const b = await client.beta.vaults.credentials.create(vault.id, { auth: envVar() });
    await client.beta.vaults.archive(vault.id);

    for (const credential of [a, b]) {
      const after = await client.beta.vaults.credentials.retrieve(credential.id, { vault_id: vault.id });
      expect(after.archived_at).toEqual(expect.any(String));
    }
    expect((await credentialRows(workspaceId)).map((r) => r.secrets)).toEqual([null, null]);
    expect((await client.beta.vaults.credentials.list(vault.id)).data).toEqual([]);
    await rejects(
      client.beta.vaults.credentials.create(vault.id, { auth: bearer("https://new.example.com") }),
      400,
      "invalid_request_error",
    );
  });

  it("caps a vault at 20 active credentials", async () => {
    const { client, vault, workspaceId } = await tenantWithVault();
    for (let i = 0; i < 20; i++) {
      await client.beta.vaults.credentials.create(vault.id, { auth: bearer(`https://m${i}.example.com/`) });
    }
    await rejects(
      client.beta.vaults.credentials.create(vault.id, { auth: bearer("https://one-more.example.com/") }),
      400,
      "invalid_request_error",
    );
    expect(await credentialRows(workspaceId)).toHaveLength(20);
  });
});

describe("credentials: validation", () => {
  it("rejects invalid bodies naming the field, writing nothing", async () => {
    const { client, vault, workspaceId } = await tenantWithVault();
    const past = "2000-01-01T00:00:00Z";
    const cases: Array<[unknown, string]> = [
      [{}, "auth"],
      [{ auth: { type: "password", token: "x" } }, "auth"],
      [{ auth: { type: "static_bearer", mcp_server_url: MCP_URL } }, "auth.token"],
      [{ auth: { ...bearer(), token: "" } }, "auth.token"],
      [{ auth: { ...bearer(), mcp_server_url: "not a url" } }, "auth.mcp_server_url"],
      [{ auth: { ...bearer(), mcp_server_url: "http://mcp.example.com/" } }, "auth.mcp_server_url"],
      [{ auth: { ...bearer(), extra: 1 } }, "extra"],
      [{ auth: bearer(), display_name: "x".repeat(256) }, "display_name"],
      [{ auth: bearer(), metadata: { k: 5 } }, "metadata"],
      [{ auth: bearer(), vault: "x" }, "vault"],
      [{ auth: { ...oauth(), access_token: undefined } }, "auth.access_token"],
      [{ auth: { ...oauth(), expires_at: past } }, "auth.expires_at"],
      [{ auth: { ...oauth(), expires_at: "tomorrow" } }, "auth.expires_at"],
      [{ auth: { ...oauth(), refresh: { ...oauth().refresh, token_endpoint: "ftp://x" } } }, "auth.refresh.token_endpoint"],
      [{ auth: { ...oauth(), refresh: { ...oauth().refresh, client_id: "" } } }, "auth.refresh.client_id"],
      [{ auth: { ...oauth(), refresh: { ...oauth().refresh, refresh_token: undefined } } }, "auth.refresh.refresh_token"],
      [
        { auth: { ...oauth(), refresh: { ...oauth().refresh, token_endpoint_auth: { type: "client_secret_post" } } } },
        "auth.refresh.token_endpoint_auth",
      ],
      [
        { auth: { ...oauth(), refresh: { ...oauth().refresh, token_endpoint_auth: { type: "private_key_jwt" } } } },
        "auth.refresh.token_endpoint_auth",
      ],
      [{ auth: { ...envVar(), secret_name: "1BAD" } }, "auth.secret_name"],
      [{ auth: { ...envVar(), secret_name: "HAS-DASH" } }, "auth.secret_name"],
      [{ auth: { ...envVar(), networking: undefined } }, "auth.networking"],
      [{ auth: { ...envVar(), networking: { type: "limited", allowed_hosts: [] } } }, "auth.networking"],
      [{ auth: { ...envVar(), networking: { type: "limited", allowed_hosts: ["https://api.example.com"] } } }, "allowed_hosts"],
      [{ auth: { ...envVar(), networking: { type: "limited", allowed_hosts: ["api.example.com:443"] } } }, "allowed_hosts"],
      [{ auth: { ...envVar(), networking: { type: "limited", allowed_hosts: ["api.example.com/path"] } } }, "allowed_hosts"],
      [{ auth: { ...envVar(), networking: { type: "limited", allowed_hosts: ["2001:db8::1"] } } }, "allowed_hosts"],
      [{ auth: { ...envVar(), networking: { type: "limited", allowed_hosts: ["300.1.1.1"] } } }, "allowed_hosts"],
      [
        { auth: { ...envVar(), networking: { type: "limited", allowed_hosts: Array.from({ length: 17 }, (_, i) => `h${i}.example.com`) } } },
        "allowed_hosts",
      ],
      [{ auth: { ...envVar(), injection_location: { header: false } } }, "injection_location"],
      [{ auth: { ...envVar(), injection_location: { query: true } } }, "injection_location"],
    ];
    for (const [body, field] of cases) {
      const err = await rejects(client.beta.vaults.credentials.create(vault.id, body as any), 400, "invalid_request_error");
      expect(err.error.error.message, JSON.stringify(body)).toContain(field);
    }
    expect(await credentialRows(workspaceId)).toEqual([]);
    await rejects(client.beta.vaults.credentials.create("vlt_missing", { auth: bearer() }), 404, "not_found_error");
    await rejects(client.beta.vaults.credentials.list("vlt_missing"), 404, "not_found_error");
  });

  it("accepts plain http only for a local development server, and only under local development", async () => {
    const { client, vault } = await tenantWithVault();
    // This suite runs like a deployment (no OUTBOUND_ALLOW_LOOPBACK): localhost is not a server the tenant may name.
    const err = await rejects(client.beta.vaults.credentials.create(vault.id, { auth: bearer("http://localhost:8787/mcp") }), 400, "invalid_request_error");
    expect(err.error.error.message).toMatch(/^auth\.mcp_server_url: localhost is a local or internal name/);
    await rejects(client.beta.vaults.credentials.create(vault.id, { auth: bearer("http://example.com/mcp") }), 400, "invalid_request_error");
  });

  it("says so, and stores nothing, when VAULT_ENCRYPTION_KEY is missing or malformed", async () => {
    const { apiKey, vault, workspaceId } = await tenantWithVault();
    const create = (key: string | undefined) =>
      app.fetch(
        new Request(`http://x/v1/vaults/${vault.id}/credentials`, {
          method: "POST",
          headers: {
            "x-api-key": apiKey,
            "anthropic-beta": "managed-agents-2026-04-01",
            "content-type": "application/json",
          },
          body: JSON.stringify({ auth: bearer() }),
        }),
        { ...env, VAULT_ENCRYPTION_KEY: key },
      );
    for (const key of [undefined, "", btoa("too short")]) {
      const res = await create(key);
      expect(res.status).toBe(500);
      const body = await res.json<any>();
      expect(body.error.type).toBe("api_error");
      expect(body.error.message).toContain("VAULT_ENCRYPTION_KEY");
    }
    expect(await credentialRows(workspaceId)).toEqual([]);
    // The same request with the key configured goes through.
    expect((await create(env.VAULT_ENCRYPTION_KEY)).status).toBe(200);
  });
});

describe("credentials: tenant isolation", () => {
  it("hides another workspace's vaults and credentials behind 404s", async () => {
    const alice = await tenantWithVault();
    const mallory = await tenantWithVault();
    const credential = await alice.client.beta.vaults.credentials.create(alice.vault.id, { auth: bearer() });
    const m = mallory.client.beta.vaults.credentials;

    for (const vaultId of [alice.vault.id, mallory.vault.id]) {
      const params = { vault_id: vaultId };
      await rejects(m.retrieve(credential.id, params), 404, "not_found_error");
      await rejects(m.update(credential.id, { ...params, display_name: "pwned" }), 404, "not_found_error");
      await rejects(m.archive(credential.id, params), 404, "not_found_error");
      await rejects(m.mcpOAuthValidate(credential.id, params), 404, "not_found_error");
      await rejects(m.delete(credential.id, params), 404, "not_found_error");
    }
    await rejects(m.list(alice.vault.id), 404, "not_found_error");
    await rejects(m.create(alice.vault.id, { auth: bearer("https://x.example.com") }), 404, "not_found_error");
    expect((await m.list(mallory.vault.id, { include_archived: true })).data).toEqual([]);

    expect(await resolve(mallory.workspaceId, [alice.vault.id])).toEqual([]);
    expect(await alice.client.beta.vaults.credentials.retrieve(credential.id, { vault_id: alice.vault.id })).toEqual(
      credential,
    );
  });
});

describe("credentials: secrets at rest and in responses", () => {
  it("never returns a secret, and D1 holds only ciphertext", async () => {
    const { apiKey, workspaceId } = await newTenant();
    const bodies: string[] = [];
    const client: Client = sdk(apiKey, {
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const res = await worker.fetch(input as RequestInfo, init);
        bodies.push(await res.clone().text());
        return res;
      },
    });
    const vault = await client.beta.vaults.create({ display_name: "leaks?" });
    const s = {
      bearer: plant("bearer"),
      access: plant("access"),
      refresh: plant("refresh"),
      clientSecret: plant("client-secret"),
      postSecret: plant("post-secret"),
      envValue: plant("env-value"),
      rotatedBearer: plant("rotated-bearer"),
      rotatedAccess: plant("rotated-access"),
      rotatedRefresh: plant("rotated-refresh"),
      rotatedClientSecret: plant("rotated-client-secret"),
      rotatedEnv: plant("rotated-env"),
      rejected: plant("rejected"),
    };
    const credentials = client.beta.vaults.credentials;
    const created = [
      await credentials.create(vault.id, { auth: bearer("https://a.example.com/mcp", s.bearer) }),
      await credentials.create(vault.id, {
        auth: oauth({ url: "https://b.example.com/mcp", access: s.access, refresh: s.refresh, clientSecret: s.clientSecret }),
      }),
      await credentials.create(vault.id, {
        auth: oauth({ url: "https://c.example.com/mcp", clientSecret: s.postSecret, tokenAuth: "client_secret_post" }),
      }),
      await credentials.create(vault.id, { auth: envVar("PLANTED", s.envValue) }),
    ];
    // A rejected create must not echo the secret it carried either.
    await rejects(
      credentials.create(vault.id, { auth: { ...bearer("nope", s.rejected), token: s.rejected } }),
      400,
      "invalid_request_error",
    );

    const params = { vault_id: vault.id };
    await credentials.update(created[0].id, { ...params, auth: { type: "static_bearer", token: s.rotatedBearer } });
    await credentials.update(created[1].id, {
      ...params,
      auth: {
        type: "mcp_oauth",
        access_token: s.rotatedAccess,
        refresh: { refresh_token: s.rotatedRefresh, token_endpoint_auth: { type: "client_secret_basic", client_secret: s.rotatedClientSecret } },
      },
    });
    await credentials.update(created[3].id, { ...params, auth: { type: "environment_variable", secret_value: s.rotatedEnv } });

    for (const c of created) await credentials.retrieve(c.id, params);
    for await (const _ of credentials.list(vault.id, { limit: 2 })) void _;

    // Before purging: the rows must hold the secrets, but only sealed.
    const rows = await credentialRows(workspaceId);
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.secrets).toMatch(/^v1\.[\w-]{8}\.[\w-]{16}\.[\w-]+$/);
    const resolved = await resolve(workspaceId, [vault.id]);
    const clear = JSON.stringify(resolved.map((r) => r.secrets));
    for (const value of [s.rotatedBearer, s.rotatedAccess, s.rotatedRefresh, s.rotatedClientSecret, s.postSecret, s.rotatedEnv]) {
      expect(clear).toContain(value);
    }
    const atRest = JSON.stringify(rows);

    await credentials.archive(created[0].id, params);
    await credentials.archive(created[3].id, params);
    for await (const _ of credentials.list(vault.id, { include_archived: true })) void _;
    await credentials.delete(created[2].id, params);
    await client.beta.vaults.archive(vault.id);
    await client.beta.vaults.delete(vault.id);

    expect(bodies.length).toBeGreaterThan(15);
    const responses = bodies.join("\n");
    for (const [name, value] of Object.entries(s)) {
      expect(responses, `${name} leaked into a response`).not.toContain(value);
      expect(atRest, `${name} stored in clear`).not.toContain(value);
    }
  });

  it("binds each ciphertext to its row: one moved to another credential does not open", async () => {
    const { client, vault, workspaceId } = await tenantWithVault();
    const a = await client.beta.vaults.credentials.create(vault.id, { auth: bearer("https://a.example.com/") });
    const b = await client.beta.vaults.credentials.create(vault.id, { auth: bearer("https://b.example.com/") });
    expect(await resolve(workspaceId, [vault.id])).toHaveLength(2);
    await env.DB.prepare("UPDATE vault_credentials SET secrets = (SELECT secrets FROM vault_credentials WHERE id = ?) WHERE id = ?")
      .bind(a.id, b.id)
      .run();
    await expect(resolve(workspaceId, [vault.id])).rejects.toThrow(/failed authentication/);
  });
});

describe("secret box", () => {
  const keyA = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
  const keyB = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
  const binding = { workspaceId: "wrkspc_1", recordId: "vcrd_1" };

  it("seals with a fresh IV each time and opens only under the same key and binding", async () => {
    const box = secretBox([keyA]);
    const one = await box.seal("hello", binding);
    const two = await box.seal("hello", binding);
    expect(one).not.toBe(two);
    expect(one).not.toContain("hello");
    expect(await box.open(one, binding)).toBe("hello");
    await expect(box.open(one, { ...binding, recordId: "vcrd_2" })).rejects.toThrow();
    await expect(box.open(one, { ...binding, workspaceId: "wrkspc_2" })).rejects.toThrow();
    const [v, kid, iv, ct] = one.split(".");
    const flipped = ct.slice(0, -2) + (ct.at(-2) === "A" ? "B" : "A") + ct.at(-1);
    await expect(box.open([v, kid, iv, flipped].join("."), binding)).rejects.toThrow();
    await expect(secretBox([keyB]).open(one, binding)).rejects.toThrow(/no key/);
  });

  it("rotates: a new key seals while the old one still opens what it sealed", async () => {
    const old = await secretBox([keyA]).seal("before rotation", binding);
    const rotated = secretBox([keyB, keyA]);
    expect(await rotated.open(old, binding)).toBe("before rotation");
    const fresh = await rotated.seal("after", binding);
    expect(fresh.split(".")[1]).not.toBe(old.split(".")[1]);
    expect(await secretBox([keyB]).open(fresh, binding)).toBe("after");
  });
});

describe("resolveCredentials", () => {
  it("returns active credentials decrypted, in vault priority order", async () => {
    const { client, workspaceId } = await newTenant();
    const first = await client.beta.vaults.create({ display_name: "first" });
    const second = await client.beta.vaults.create({ display_name: "second" });
    const archived = await client.beta.vaults.create({ display_name: "archived" });
    const low = await client.beta.vaults.credentials.create(second.id, { auth: bearer(MCP_URL, "low-priority") });
    const high = await client.beta.vaults.credentials.create(first.id, { auth: bearer(MCP_URL, "high-priority") });
    const env1 = await client.beta.vaults.credentials.create(second.id, { auth: envVar("X", "x-value") });
    const gone = await client.beta.vaults.credentials.create(first.id, { auth: bearer("https://gone.example.com/") });
    await client.beta.vaults.credentials.archive(gone.id, { vault_id: first.id });
    await client.beta.vaults.credentials.create(archived.id, { auth: bearer("https://z.example.com/") });
    await client.beta.vaults.archive(archived.id);

    const resolved = await resolve(workspaceId, [first.id, second.id, archived.id, "vlt_unknown"]);
    expect(resolved.map((r) => r.id)).toEqual([high.id, low.id, env1.id]);
    expect(resolved[2]).toMatchObject({ type: "environment_variable", vaultId: second.id, secrets: { secret_value: "x-value" } });
    expect(credentialForMcpServer(resolved, MCP_URL)?.secrets).toEqual({ token: "high-priority" });
    expect(credentialForMcpServer(await resolve(workspaceId, [second.id, first.id]), MCP_URL)?.id).toBe(low.id);
    expect(await resolve(workspaceId, [])).toEqual([]);
  });
});

describe("mcp_oauth_validate", () => {
  type Route = (req: Request) => Response | Promise<Response>;
  /** Stands in for the MCP server and token endpoint; records what the Worker sent. */
  interface Seen {
    method: string;
    url: string;
    headers: Headers;
    body: string;
  }
  function fakeNetwork(routes: Record<string, Route>) {
    const seen: Seen[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input as RequestInfo, init);
      // Read here: a body belongs to the Worker's request context and cannot be read from the test's.
      seen.push({ method: req.method, url: req.url, headers: new Headers(req.headers), body: await req.clone().text() });
      const route = routes[`${req.method} ${req.url}`];
      if (!route) throw new TypeError(`network error: ${req.method} ${req.url}`);
      return route(req);
    });
    return seen;
  }

  const ok = () => Response.json({ jsonrpc: "2.0", id: 1, result: { protocolVersion: "2025-06-18" } });

  it("is valid when the MCP server accepts the access token", async () => {
    const { client, vault } = await tenantWithVault();
    const access = plant("access");
    const credential = await client.beta.vaults.credentials.create(vault.id, {
      auth: { type: "mcp_oauth", mcp_server_url: MCP_URL, access_token: access },
    });
    const seen = fakeNetwork({ [`POST ${MCP_URL}`]: ok });
    const result = await client.beta.vaults.credentials.mcpOAuthValidate(credential.id, { vault_id: vault.id });
    expect(result).toEqual({
      type: "vault_credential_validation",
      credential_id: credential.id,
      vault_id: vault.id,
      validated_at: expect.any(String),
      status: "valid",
      has_refresh_token: false,
      mcp_probe: null,
      refresh: null,
    });
    expect(seen).toHaveLength(1);
    expect(seen[0].headers.get("authorization")).toBe(`Bearer ${access}`);
    expect(JSON.parse(seen[0].body)).toMatchObject({ jsonrpc: "2.0", method: "initialize" });
  });

  it("is invalid on a 401 with no refresh token, showing the scrubbed response", async () => {
    const { client, vault } = await tenantWithVault();
    const access = plant("access");
    const credential = await client.beta.vaults.credentials.create(vault.id, {
      auth: { type: "mcp_oauth", mcp_server_url: MCP_URL, access_token: access },
    });
    fakeNetwork({
      [`POST ${MCP_URL}`]: () =>
        new Response(`{"error":"invalid_token","got":"${access}"}`, { status: 401, headers: { "content-type": "application/json" } }),
    });
    const result = await client.beta.vaults.credentials.mcpOAuthValidate(credential.id, { vault_id: vault.id });
    expect(result).toMatchObject({
      status: "invalid",
      has_refresh_token: false,
      mcp_probe: { method: "initialize", http_response: { status_code: 401, content_type: "application/json", body_truncated: false } },
      refresh: { status: "no_refresh_token", http_response: null },
    });
    expect(result.mcp_probe!.http_response!.body).toContain("invalid_token");
    expect(JSON.stringify(result)).not.toContain(access);
  });

  it("refreshes on a 401, stores the new tokens and probes again", async () => {
    const { client, vault, workspaceId } = await tenantWithVault();
    const s = { access: plant("access"), refresh: plant("refresh"), clientSecret: plant("cs") };
    const newAccess = plant("new-access");
    const newRefresh = plant("new-refresh");
    const credential = await client.beta.vaults.credentials.create(vault.id, {
      auth: oauth({ access: s.access, refresh: s.refresh, clientSecret: s.clientSecret }),
    });
    const seen = fakeNetwork({
      [`POST ${MCP_URL}`]: (req) =>
        req.headers.get("authorization") === `Bearer ${newAccess}` ? ok() : new Response("expired", { status: 401 }),
      [`POST ${TOKEN_URL}`]: () =>
        Response.json({ access_token: newAccess, refresh_token: newRefresh, expires_in: 3600, token_type: "Bearer" }),
    });
    const result = await client.beta.vaults.credentials.mcpOAuthValidate(credential.id, { vault_id: vault.id });
    expect(result).toMatchObject({
      status: "valid",
      has_refresh_token: true,
      mcp_probe: null,
      refresh: { status: "succeeded", http_response: null },
    });

    const tokenRequest = seen.find((r) => r.url === TOKEN_URL)!;
    expect(tokenRequest.headers.get("authorization")).toBe(`Basic ${btoa(`client-123:${s.clientSecret}`)}`);
    const form = new URLSearchParams(tokenRequest.body);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: "refresh_token",
      refresh_token: s.refresh,
      scope: "read write",
      resource: "https://mcp.example.com",
    });

    const [stored] = await resolve(workspaceId, [vault.id]);
    expect(stored.secrets).toEqual({ access_token: newAccess, refresh_token: newRefresh, client_secret: s.clientSecret });
    const after = await client.beta.vaults.credentials.retrieve(credential.id, { vault_id: vault.id });
    expect(Date.parse((after.auth as any).expires_at) - Date.now()).toBeGreaterThan(3500_000);
    expect(JSON.stringify(result) + JSON.stringify(after)).not.toContain(newAccess);
  });

  it("sends client_secret_post credentials in the form body", async () => {
    const { client, vault } = await tenantWithVault();
    const secret = plant("post");
    const credential = await client.beta.vaults.credentials.create(vault.id, {
      auth: oauth({ clientSecret: secret, tokenAuth: "client_secret_post" }),
    });
    const seen = fakeNetwork({
      [`POST ${MCP_URL}`]: () => new Response("no", { status: 401 }),
      [`POST ${TOKEN_URL}`]: () => Response.json({ access_token: "fresh" }),
    });
    const result = await client.beta.vaults.credentials.mcpOAuthValidate(credential.id, { vault_id: vault.id });
    // The refreshed token is rejected too.
    expect(result).toMatchObject({ status: "invalid", refresh: { status: "succeeded" }, mcp_probe: { method: "initialize" } });
    const tokenRequest = seen.find((r) => r.url === TOKEN_URL)!;
    expect(tokenRequest.headers.get("authorization")).toBeNull();
    const form = new URLSearchParams(tokenRequest.body);
    expect(form.get("client_id")).toBe("client-123");
    expect(form.get("client_secret")).toBe(secret);
  });

  it("is invalid when the token endpoint refuses, scrubbing secrets from what it said", async () => {
    const { client, vault } = await tenantWithVault();
    const refresh = plant("refresh");
    const credential = await client.beta.vaults.credentials.create(vault.id, { auth: oauth({ refresh }) });
    fakeNetwork({
      [`POST ${MCP_URL}`]: () => new Response("no", { status: 401 }),
      [`POST ${TOKEN_URL}`]: () =>
        Response.json({ error: "invalid_grant", echoed: refresh, refresh_token: "other-secret-thing" }, { status: 400 }),
    });
    const result = await client.beta.vaults.credentials.mcpOAuthValidate(credential.id, { vault_id: vault.id });
    expect(result).toMatchObject({
      status: "invalid",
      has_refresh_token: true,
      refresh: { status: "failed", http_response: { status_code: 400 } },
    });
    const body = result.refresh!.http_response!.body;
    expect(body).toContain("invalid_grant");
    expect(body).not.toContain(refresh);
    expect(body).not.toContain("other-secret-thing");
  });

  it("is unknown when the server cannot be reached or errors, and truncates long bodies", async () => {
    const { client, vault } = await tenantWithVault();
    const credential = await client.beta.vaults.credentials.create(vault.id, { auth: oauth() });
    fakeNetwork({});
    expect(await client.beta.vaults.credentials.mcpOAuthValidate(credential.id, { vault_id: vault.id })).toMatchObject({
      status: "unknown",
      mcp_probe: { method: "initialize", http_response: null },
      refresh: null,
    });

    vi.restoreAllMocks();
    fakeNetwork({ [`POST ${MCP_URL}`]: () => new Response("x".repeat(100_000), { status: 502 }) });
    const result = await client.beta.vaults.credentials.mcpOAuthValidate(credential.id, { vault_id: vault.id });
    expect(result).toMatchObject({ status: "unknown", mcp_probe: { http_response: { status_code: 502, body_truncated: true } } });
    expect(result.mcp_probe!.http_response!.body.length).toBeLessThanOrEqual(4096);

    vi.restoreAllMocks();
    fakeNetwork({ [`POST ${MCP_URL}`]: () => new Response("no", { status: 401 }) });
    expect(await client.beta.vaults.credentials.mcpOAuthValidate(credential.id, { vault_id: vault.id })).toMatchObject({
      status: "unknown",
      refresh: { status: "connect_error", http_response: null },
    });
  });

  it("reports an archived credential as invalid and refuses other types", async () => {
    const { client, vault } = await tenantWithVault();
    const credential = await client.beta.vaults.credentials.create(vault.id, { auth: oauth() });
    await client.beta.vaults.credentials.archive(credential.id, { vault_id: vault.id });
    const seen = fakeNetwork({});
    expect(await client.beta.vaults.credentials.mcpOAuthValidate(credential.id, { vault_id: vault.id })).toMatchObject({
      status: "invalid",
      has_refresh_token: false,
      mcp_probe: null,
      refresh: null,
    });
    expect(seen).toHaveLength(0);

    const b = await client.beta.vaults.credentials.create(vault.id, { auth: bearer() });
    await rejects(client.beta.vaults.credentials.mcpOAuthValidate(b.id, { vault_id: vault.id }), 400, "invalid_request_error");
  });
});
