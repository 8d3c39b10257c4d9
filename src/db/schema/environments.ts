import { sql } from "drizzle-orm";
import { index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { EnvironmentConfig } from "../../schemas/environments";

/** A reusable container template (`cloud`) or a self-hosted worker pool (`self_hosted`). */
export const environments = sqliteTable(
  "environments",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    /** `cloud` | `self_hosted`; fixed at creation. A plain column so the work queue can filter on it. */
    configType: text("config_type", { enum: ["cloud", "self_hosted"] }).notNull(),
    config: text("config", { mode: "json" }).$type<EnvironmentConfig>().notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    scope: text("scope", { enum: ["organization", "account"] }).notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    archivedAt: text("archived_at"),
  },
  (t) => [
    index("environments_workspace").on(t.workspaceId, t.id),
    // Names are unique among a workspace's live environments; archiving frees the name.
    uniqueIndex("environments_workspace_name").on(t.workspaceId, t.name).where(sql`archived_at IS NULL`),
  ],
);

export type EnvironmentRow = typeof environments.$inferSelect;
