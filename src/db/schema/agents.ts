import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { AgentConfig } from "../../schemas/agents";

/**
 * One row per agent: identity, lifecycle and a pointer to its current version.
 * The configuration itself lives in `agent_versions`, so the history is append-only.
 */
export const agents = sqliteTable(
  "agents",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    /** The current (latest) version number. */
    version: integer("version").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    archivedAt: text("archived_at"),
  },
  (t) => [index("agents_workspace").on(t.workspaceId, t.id)],
);

/**
 * An immutable snapshot of an agent's full, normalised configuration. `(agent_id, version)`
 * is unique, which is also what turns two racing updates of the same version into one winner.
 */
export const agentVersions = sqliteTable(
  "agent_versions",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    agentId: text("agent_id").notNull(),
    version: integer("version").notNull(),
    config: text("config", { mode: "json" }).$type<AgentConfig>().notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("agent_versions_agent_version").on(t.agentId, t.version),
    index("agent_versions_workspace").on(t.workspaceId, t.agentId, t.id),
  ],
);

export type AgentRow = typeof agents.$inferSelect;
export type AgentVersionRow = typeof agentVersions.$inferSelect;
