import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The cross-session index: what lists and filters read without waking a session's Durable Object.
 * The route inserts the row at creation; from then on the session's DO is its only writer, mirroring
 * status, usage and timestamps on every transition (`mirror_seq` drops stale, out-of-order mirrors).
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    agentId: text("agent_id").notNull(),
    agentVersion: integer("agent_version").notNull(),
    /** JSON: the resolved agent snapshot (`BetaManagedAgentsSessionAgent`). */
    agent: text("agent").notNull(),
    environmentId: text("environment_id").notNull(),
    title: text("title"),
    /** JSON object of string values. */
    metadata: text("metadata").notNull(),
    /** JSON array of resources as stored (secrets included; the serializer strips them). */
    resources: text("resources").notNull(),
    /** JSON array of vault ids. */
    vaultIds: text("vault_ids").notNull(),
    status: text("status", { enum: ["idle", "running", "rescheduling", "terminated"] }).notNull(),
    /** JSON: cumulative `BetaManagedAgentsSessionUsage` (tokens). */
    usage: text("usage").notNull(),
    /** Seconds spent running in spans that have ended. */
    activeSeconds: real("active_seconds").notNull(),
    /** When the current running span began; null unless running. */
    runningSince: text("running_since"),
    deploymentId: text("deployment_id"),
    mirrorSeq: integer("mirror_seq").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    archivedAt: text("archived_at"),
  },
  (t) => [
    index("sessions_workspace").on(t.workspaceId, t.id),
    index("sessions_workspace_agent").on(t.workspaceId, t.agentId, t.id),
    index("sessions_workspace_status").on(t.workspaceId, t.status, t.id),
  ],
);

export type SessionRow = typeof sessions.$inferSelect;
