import { and, asc, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import type { Database } from "../client";
import { vaultCredentials, vaults, type CredentialRow } from "../schema";
import { notFound } from "../../lib/errors";
import { nowIso } from "../../lib/time";
import { vaultSecretBox, type SecretBox } from "../../lib/secret-box";
import type { CredentialParts, CredentialSecrets } from "../../schemas/credential-auth";

/** A credential of this workspace's vault, or a 404 (another tenant's ids included). */
export async function findCredential(db: Database, workspaceId: string, vaultId: string, credentialId: string) {
  const [row] = await db
    .select()
    .from(vaultCredentials)
    .where(
      and(
        eq(vaultCredentials.id, credentialId),
        eq(vaultCredentials.vaultId, vaultId),
        eq(vaultCredentials.workspaceId, workspaceId),
      ),
    )
    .limit(1);
  if (!row) throw notFound("credential", credentialId);
  return row;
}

/** Decrypts a row's secrets; null once archived (archiving purges them). */
export async function openSecrets(box: SecretBox, row: CredentialRow): Promise<object | null> {
  if (!row.secrets) return null;
  return JSON.parse(await box.open(row.secrets, { workspaceId: row.workspaceId, recordId: row.id }));
}

/** Encrypts a credential's secrets for its row: the ciphertext opens only there. */
export function sealSecrets(box: SecretBox, row: Pick<CredentialRow, "workspaceId" | "id">, secrets: object) {
  return box.seal(JSON.stringify(secrets), { workspaceId: row.workspaceId, recordId: row.id });
}

/** A usable credential with its secrets in clear. Server side only: never render it. */
export type ResolvedCredential = { id: string; vaultId: string } & CredentialParts;

/**
 * The active credentials of `vaultIds` with their secrets decrypted, in `vaultIds` order
 * (a session's vault order is its matching priority), oldest first within a vault.
 * Archived vaults and credentials, and ids that are not this workspace's vaults, give none.
 */
export async function resolveCredentials(
  db: Database,
  env: { VAULT_ENCRYPTION_KEY?: string },
  workspaceId: string,
  vaultIds: string[],
): Promise<ResolvedCredential[]> {
  if (!vaultIds.length) return [];
  const rows = await db
    .select({ credential: vaultCredentials })
    .from(vaultCredentials)
    .innerJoin(vaults, eq(vaults.id, vaultCredentials.vaultId))
    .where(
      and(
        eq(vaultCredentials.workspaceId, workspaceId),
        eq(vaults.workspaceId, workspaceId),
        inArray(vaultCredentials.vaultId, vaultIds),
        isNull(vaults.archivedAt),
        isNull(vaultCredentials.archivedAt),
        isNotNull(vaultCredentials.secrets),
      ),
    )
    .orderBy(asc(vaultCredentials.id));
  if (!rows.length) return [];
  const box = vaultSecretBox(env);
  const priority = (row: CredentialRow) => vaultIds.indexOf(row.vaultId);
  const ordered = rows.map((r) => r.credential).sort((a, b) => priority(a) - priority(b));
  return Promise.all(
    ordered.map(
      async (row) =>
        ({
          id: row.id,
          vaultId: row.vaultId,
          type: row.authType,
          auth: row.auth,
          secrets: await openSecrets(box, row),
        }) as ResolvedCredential,
    ),
  );
}

/** The credential an MCP server connection should use: the first match in vault priority order. */
export function credentialForMcpServer(credentials: ResolvedCredential[], mcpServerUrl: string) {
  return credentials.find(
    (c): c is Extract<ResolvedCredential, { type: "static_bearer" | "mcp_oauth" }> =>
      c.type !== "environment_variable" && c.auth.mcp_server_url === mcpServerUrl,
  );
}

/** Tokens a successful OAuth refresh returned. */
export interface RefreshedTokens {
  access_token: string;
  /** Present when the server rotated the refresh token. */
  refresh_token?: string;
  expires_at: string | null;
}

/**
 * Persists a refresh's tokens into an mcp_oauth credential, so the next use starts from them
 * (a rotated refresh token is single use: losing it would break the credential).
 */
export async function storeRefreshedTokens(
  db: Database,
  box: SecretBox,
  row: CredentialRow,
  tokens: RefreshedTokens,
) {
  if (row.auth.type !== "mcp_oauth") throw new Error(`credential ${row.id} is not mcp_oauth`);
  const current = ((await openSecrets(box, row)) ?? {}) as CredentialSecrets["mcp_oauth"];
  const next: CredentialSecrets["mcp_oauth"] = {
    ...current,
    access_token: tokens.access_token,
    ...(tokens.refresh_token && { refresh_token: tokens.refresh_token }),
  };
  await db
    .update(vaultCredentials)
    .set({
      secrets: await sealSecrets(box, row, next),
      auth: { ...row.auth, expires_at: tokens.expires_at },
      updatedAt: nowIso(),
    })
    .where(
      and(
        eq(vaultCredentials.id, row.id),
        eq(vaultCredentials.workspaceId, row.workspaceId),
        isNull(vaultCredentials.archivedAt),
      ),
    );
}
