import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** The operator's per-workspace limits; a null column falls back to the deployment default (src/limits). */
export const workspaceLimits = sqliteTable("workspace_limits", {
  workspaceId: text("workspace_id").primaryKey(),
  requestsPerMinute: integer("requests_per_minute"),
  writeBytesPerDay: integer("write_bytes_per_day"),
  modelTokensPerDay: integer("model_tokens_per_day"),
  maxSessions: integer("max_sessions"),
  maxActiveSessions: integer("max_active_sessions"),
  maxEventsPerSession: integer("max_events_per_session"),
  maxSandboxBytes: integer("max_sandbox_bytes"),
  maxStorageBytes: integer("max_storage_bytes"),
  updatedAt: text("updated_at").notNull(),
});
