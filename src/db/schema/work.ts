import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Credentials of self-hosted environment workers. Stored as a SHA-256 hash; only the prefix is
 * shown again. A key authenticates only the work endpoints of its own environment.
 */
export const environmentKeys = sqliteTable(
  "environment_keys",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    environmentId: text("environment_id").notNull(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull().unique(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    revokedAt: text("revoked_at"),
  },
  (t) => [index("environment_keys_workspace").on(t.workspaceId, t.id), index("environment_keys_environment").on(t.environmentId, t.id)],
);

/**
 * Per-session bearer tokens: the `sessions_token` a work item's `secret` carries, and the token the
 * cloud sandbox posts its tool results with. Scoped to one session; `workId`/`epoch` tie a worker's token
 * to the delivery of the work item it was minted for, so a lost lease also loses the token.
 */
export const sessionsTokens = sqliteTable(
  "sessions_tokens",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    environmentId: text("environment_id").notNull(),
    sessionId: text("session_id").notNull(),
    workId: text("work_id"),
    epoch: integer("epoch").notNull(),
    /** The environment key that polled the work item; its revocation (or the environment's archive) ends the token. */
    environmentKeyId: text("environment_key_id"),
    hash: text("hash").notNull().unique(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
  },
  (t) => [index("sessions_tokens_workspace").on(t.workspaceId, t.id), index("sessions_tokens_work").on(t.workId, t.epoch)],
);

export type EnvironmentKeyRow = typeof environmentKeys.$inferSelect;
export type SessionsTokenRow = typeof sessionsTokens.$inferSelect;
