import { newId, newSecret, sha256Hex } from "../lib/ids";

/** Sessions tokens are distinguishable from API keys (`sk-ma-`) and environment keys by prefix alone. */
export const SESSIONS_TOKEN_PREFIX = "sk-ma-req-";
export const ENVIRONMENT_KEY_PREFIX = "sk-ma-env-";

/**
 * A work item can be served for hours, so the token outlives any single tool call; it dies earlier when
 * the item stops or its lease is lost (see `revokeWorkTokens`).
 */
const SESSIONS_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export interface SessionsTokenScope {
  workspaceId: string;
  environmentId: string;
  sessionId: string;
  /** the work item the token was minted for; null for the cloud sandbox's own token */
  workId: string | null;
  /** the delivery of that work item; 0 when there is none */
  epoch: number;
  /** the environment key that polled the item (middleware/auth ends the token with the key); null otherwise */
  environmentKeyId?: string | null;
}

/** Mints a token bound to one session (and delivery); only its hash is stored. */
export async function mintSessionsToken(db: D1Database, scope: SessionsTokenScope): Promise<{ token: string; expiresAt: string }> {
  const token = newSecret(SESSIONS_TOKEN_PREFIX);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + SESSIONS_TOKEN_TTL_MS).toISOString();
  await db
    .prepare(
      `INSERT INTO sessions_tokens (id, workspace_id, environment_id, session_id, work_id, epoch, environment_key_id, hash, created_at, updated_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      newId("stok"),
      scope.workspaceId,
      scope.environmentId,
      scope.sessionId,
      scope.workId,
      scope.epoch,
      scope.environmentKeyId ?? null,
      await sha256Hex(token),
      now.toISOString(),
      now.toISOString(),
      expiresAt,
    )
    .run();
  return { token, expiresAt };
}

/** Revokes the tokens of a work item's deliveries older than `belowEpoch` (all of them for Infinity). */
export async function revokeWorkTokens(db: D1Database, workId: string, belowEpoch: number): Promise<void> {
  const now = new Date().toISOString();
  const bound = Number.isFinite(belowEpoch) ? belowEpoch : Number.MAX_SAFE_INTEGER;
  await db
    .prepare("UPDATE sessions_tokens SET revoked_at = ?, updated_at = ? WHERE work_id = ? AND epoch < ? AND revoked_at IS NULL")
    .bind(now, now, workId, bound)
    .run();
}

/**
 * The `secret` of a polled work item, encoded exactly as the SDK worker decodes it
 * (`sessionsTokenFromSecret`): URL-safe base64 of a JSON `BetaWorkSecret`, without padding.
 */
export function encodeWorkSecret(secret: { sessions_token: string; api_base_url?: string }): string {
  const bytes = new TextEncoder().encode(JSON.stringify(secret));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
