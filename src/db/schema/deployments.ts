import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type {
  DeploymentBudget,
  DeploymentInitialEvent,
  DeploymentPausedReason,
  DeploymentResource,
  RunAgent,
  RunError,
  StoredSchedule,
} from "../../schemas/deployments";

/** A deployment: what to run (agent version, environment, events, resources) and when (schedule). */
export const deployments = sqliteTable(
  "deployments",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    agentId: text("agent_id").notNull(),
    agentVersion: integer("agent_version").notNull(),
    environmentId: text("environment_id").notNull(),
    initialEvents: text("initial_events", { mode: "json" }).$type<DeploymentInitialEvent[]>().notNull(),
    /** As rendered: GitHub tokens stripped. */
    resources: text("resources", { mode: "json" }).$type<DeploymentResource[]>().notNull(),
    /** Secret-box envelope of the resources with their tokens; null when none had one. */
    sealedResources: text("sealed_resources"),
    vaultIds: text("vault_ids", { mode: "json" }).$type<string[]>().notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    budget: text("budget", { mode: "json" }).$type<DeploymentBudget>(),
    schedule: text("schedule", { mode: "json" }).$type<StoredSchedule>(),
    lastRunAt: text("last_run_at"),
    status: text("status", { enum: ["active", "paused"] }).notNull(),
    pausedReason: text("paused_reason", { mode: "json" }).$type<DeploymentPausedReason>(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    archivedAt: text("archived_at"),
  },
  (t) => [index("deployments_workspace").on(t.workspaceId, t.id), index("deployments_agent").on(t.workspaceId, t.agentId, t.id)],
);

/** One attempt to start a session for a deployment: exactly one of `sessionId` and `error` is set. */
export const deploymentRuns = sqliteTable(
  "deployment_runs",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    deploymentId: text("deployment_id").notNull(),
    agent: text("agent", { mode: "json" }).$type<RunAgent>().notNull(),
    triggerType: text("trigger_type", { enum: ["schedule", "manual"] }).notNull(),
    scheduledAt: text("scheduled_at"),
    sessionId: text("session_id"),
    error: text("error", { mode: "json" }).$type<RunError>(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("deployment_runs_workspace").on(t.workspaceId, t.id),
    index("deployment_runs_deployment").on(t.workspaceId, t.deploymentId, t.id),
    uniqueIndex("deployment_runs_scheduled").on(t.deploymentId, t.scheduledAt).where(sql`scheduled_at IS NOT NULL`),
  ],
);

export type DeploymentRow = typeof deployments.$inferSelect;
export type DeploymentRunRow = typeof deploymentRuns.$inferSelect;
