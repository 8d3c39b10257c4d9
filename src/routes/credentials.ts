import { assertFetchableUrl, outboundPolicy } from "../lib/outbound-guard";
import { Hono, type Context } from "hono";
import { and, count, eq, isNull } from "drizzle-orm";
import type { AppEnv } from "../env";
import { database, type Database } from "../db/client";
import { vaultCredentials, type CredentialRow } from "../db/schema";
import { findCredential, openSecrets, sealSecrets, storeRefreshedTokens } from "../db/queries/credentials";
import { findVault } from "../db/queries/vaults";
import { requireBeta } from "../middleware/betas";
import { badRequest, conflict } from "../lib/errors";
import { newId } from "../lib/ids";
import { validateMcpOAuth } from "../lib/mcp-oauth";
import { paginate } from "../lib/pagination";
import { vaultSecretBox } from "../lib/secret-box";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";
import { applyAuthUpdate, credentialIdentity, splitAuth, type CredentialAuth, type CredentialSecrets } from "../schemas/credential-auth";
import { createCredential, credentialJson, updateCredential } from "../schemas/credentials";
import { listQuery, patchMetadata } from "../schemas/vaults";
import { emitWebhook } from "../webhooks/emit";

/** Active credentials a vault may hold, as the hosted API limits it. */
export const MAX_ACTIVE_CREDENTIALS_PER_VAULT = 20;

/** /v1/vaults/:vault_id/credentials: write-only secrets, readable configuration. */
export const credentialRoutes = new Hono<AppEnv>();
credentialRoutes.use("*", requireBeta("managed-agents-2026-04-01"));

type Ctx = Context<AppEnv>;

/** The credential named by the path, inside the path's vault and the caller's workspace. */
const loadCredential = (c: Ctx, db: Database) =>
  findCredential(db, c.var.workspaceId, c.req.param("vault_id")!, c.req.param("credential_id")!);

function assertActive(credential: CredentialRow) {
  if (credential.archivedAt) throw badRequest(`credential ${credential.id} is archived and can no longer be changed`);
}

/** A vault matches a session's MCP server or variable by one credential only (see the unique indexes). */
async function assertRoomFor(db: Database, vaultId: string, auth: CredentialAuth) {
  const identity = credentialIdentity(auth);
  const active = and(eq(vaultCredentials.vaultId, vaultId), isNull(vaultCredentials.archivedAt));
  const sameIdentity = identity.secretName
    ? eq(vaultCredentials.secretName, identity.secretName)
    : eq(vaultCredentials.mcpServerUrl, identity.mcpServerUrl!);
  const [[clash], [{ n }]] = await db.batch([
    db.select({ id: vaultCredentials.id }).from(vaultCredentials).where(and(active, sameIdentity)).limit(1),
    db.select({ n: count() }).from(vaultCredentials).where(active),
  ]);
  if (clash) throw identityConflict(vaultId, auth, clash.id);
  if (n >= MAX_ACTIVE_CREDENTIALS_PER_VAULT) {
    throw badRequest(`vault ${vaultId} already holds ${MAX_ACTIVE_CREDENTIALS_PER_VAULT} active credentials, the maximum`);
  }
}

function identityConflict(vaultId: string, auth: CredentialAuth, existingId?: string) {
  const what =
    auth.type === "environment_variable" ? `secret_name ${auth.secret_name}` : `mcp_server_url ${auth.mcp_server_url}`;
  const existing = existingId ? ` (${existingId})` : "";
  return conflict(
    `vault ${vaultId} already has an active credential for ${what}${existing}: update or archive it instead`,
  );
}

const isUniqueViolation = (err: unknown) => String((err as Error)?.message ?? err).includes("UNIQUE constraint failed");

credentialRoutes.post("/:vault_id/credentials", validate("json", createCredential), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  const vault = await findVault(db, c.var.workspaceId, c.req.param("vault_id"));
  if (vault.archivedAt) throw badRequest(`vault ${vault.id} is archived; credentials can no longer be added to it`);
  // Before anything is written: without a key there is no storing the secret, ever in clear.
  const box = vaultSecretBox(c.env);
  const { type, auth, secrets } = splitAuth(body.auth);
  // Token endpoints are fetched straight from the Worker; an MCP server's https host may be a tunnel's (judged when
  // connecting), but plain http is only ever for a local development server, so it must pass the guard here.
  if (body.auth.type !== "environment_variable" && body.auth.mcp_server_url.startsWith("http:")) {
    assertFetchableUrl(c.env, c.req.url, "auth.mcp_server_url", body.auth.mcp_server_url);
  }
  if (body.auth.type === "mcp_oauth") assertFetchableUrl(c.env, c.req.url, "auth.refresh.token_endpoint", body.auth.refresh?.token_endpoint);
  await assertRoomFor(db, vault.id, auth);
  const now = nowIso();
  const id = newId("vcrd");
  const row: CredentialRow = {
    id,
    workspaceId: vault.workspaceId,
    vaultId: vault.id,
    displayName: body.display_name ?? null,
    metadata: body.metadata ?? {},
    authType: type,
    ...credentialIdentity(auth),
    auth,
    secrets: await sealSecrets(box, { workspaceId: vault.workspaceId, id }, secrets),
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  try {
    await db.insert(vaultCredentials).values(row);
  } catch (err) {
    // Lost a race with a concurrent create for the same identity.
    if (isUniqueViolation(err)) throw identityConflict(vault.id, auth);
    throw err;
  }
  await emitWebhook(c, "vault_credential.created", row.id);
  return c.json(credentialJson(row));
});

credentialRoutes.get("/:vault_id/credentials", validate("query", listQuery), async (c) => {
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  const vault = await findVault(db, c.var.workspaceId, c.req.param("vault_id"));
  return c.json(
    await paginate({
      params: query,
      idColumn: vaultCredentials.id,
      where: and(
        eq(vaultCredentials.workspaceId, vault.workspaceId),
        eq(vaultCredentials.vaultId, vault.id),
        query.include_archived ? undefined : isNull(vaultCredentials.archivedAt),
      ),
      fetch: (q) => db.select().from(vaultCredentials).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: credentialJson,
    }),
  );
});

credentialRoutes.get("/:vault_id/credentials/:credential_id", async (c) => {
  return c.json(credentialJson(await loadCredential(c, database(c.env.DB))));
});

credentialRoutes.post("/:vault_id/credentials/:credential_id", validate("json", updateCredential), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  const credential = await loadCredential(c, db);
  assertActive(credential);

  let { auth, secrets } = credential;
  if (body.auth) {
    const change = applyAuthUpdate(credential.auth, body.auth);
    auth = change.auth;
    if (change.rewriteSecrets) {
      const box = vaultSecretBox(c.env);
      const current = await openSecrets(box, credential);
      secrets = await sealSecrets(box, credential, change.rewriteSecrets(current));
    }
  }
  const next: CredentialRow = {
    ...credential,
    displayName: body.display_name ?? credential.displayName,
    metadata: patchMetadata(credential.metadata, body.metadata),
    auth,
    secrets,
    updatedAt: nowIso(),
  };
  await db
    .update(vaultCredentials)
    .set({ displayName: next.displayName, metadata: next.metadata, auth, secrets, updatedAt: next.updatedAt })
    .where(
      and(
        eq(vaultCredentials.id, credential.id),
        eq(vaultCredentials.workspaceId, credential.workspaceId),
        isNull(vaultCredentials.archivedAt),
      ),
    );
  return c.json(credentialJson(next));
});

credentialRoutes.delete("/:vault_id/credentials/:credential_id", async (c) => {
  const db = database(c.env.DB);
  const credential = await loadCredential(c, db);
  await db
    .delete(vaultCredentials)
    .where(and(eq(vaultCredentials.id, credential.id), eq(vaultCredentials.workspaceId, credential.workspaceId)));
  await emitWebhook(c, "vault_credential.deleted", credential.id);
  return c.json({ type: "vault_credential_deleted" as const, id: credential.id });
});

/** One way: the secrets are purged, the record stays for audit, the identity is freed for a new credential. */
credentialRoutes.post("/:vault_id/credentials/:credential_id/archive", async (c) => {
  const db = database(c.env.DB);
  const credential = await loadCredential(c, db);
  if (credential.archivedAt) return c.json(credentialJson(credential));
  const now = nowIso();
  await db
    .update(vaultCredentials)
    .set({ archivedAt: now, updatedAt: now, secrets: null })
    .where(
      and(
        eq(vaultCredentials.id, credential.id),
        eq(vaultCredentials.workspaceId, credential.workspaceId),
        isNull(vaultCredentials.archivedAt),
      ),
    );
  await emitWebhook(c, "vault_credential.archived", credential.id);
  return c.json(credentialJson(await loadCredential(c, db)));
});

credentialRoutes.post("/:vault_id/credentials/:credential_id/mcp_oauth_validate", async (c) => {
  const db = database(c.env.DB);
  const credential = await loadCredential(c, db);
  const { auth } = credential;
  if (auth.type !== "mcp_oauth") {
    throw badRequest(`credential ${credential.id} is ${auth.type}; only mcp_oauth credentials can be validated`);
  }
  const box = vaultSecretBox(c.env);
  const secrets = (await openSecrets(box, credential)) as CredentialSecrets["mcp_oauth"] | null;
  const result = await validateMcpOAuth(auth, secrets, (tokens) => storeRefreshedTokens(db, box, credential, tokens), outboundPolicy(c.env, c.req.url));
  return c.json({
    type: "vault_credential_validation" as const,
    credential_id: credential.id,
    vault_id: credential.vaultId,
    validated_at: nowIso(),
    ...result,
  });
});
