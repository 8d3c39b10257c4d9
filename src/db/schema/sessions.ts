import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type {
  BetaManagedAgentsBudgetLimit,
  BetaManagedAgentsOutcomeEvaluationResource,
  BetaManagedAgentsSessionAgent,
  BetaManagedAgentsSessionUsage,
} from "@anthropic-ai/sdk/resources/beta/sessions/sessions";

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
    /** The resolved agent snapshot. */
    agent: text("agent", { mode: "json" }).$type<BetaManagedAgentsSessionAgent>().notNull(),
    environmentId: text("environment_id").notNull(),
    title: text("title"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    /** Resources as stored (secrets included; the serializer strips them). */
    resources: text("resources", { mode: "json" }).$type<StoredResource[]>().notNull(),
    vaultIds: text("vault_ids", { mode: "json" }).$type<string[]>().notNull(),
    status: text("status", { enum: ["idle", "running", "rescheduling", "terminated"] }).notNull(),
    /** Cumulative token usage. */
    usage: text("usage", { mode: "json" }).$type<BetaManagedAgentsSessionUsage>().notNull(),
    /** Seconds spent running in spans that have ended. */
    activeSeconds: real("active_seconds").notNull(),
    /** When the current running span began; null unless running. */
    runningSince: text("running_since"),
    deploymentId: text("deployment_id"),
    /** The spend ceiling set at creation; null when uncapped. */
    budget: text("budget", { mode: "json" }).$type<BetaManagedAgentsBudgetLimit>(),
    /** Mirrored from the DO's outcomes. */
    outcomeEvaluations: text("outcome_evaluations", { mode: "json" }).$type<BetaManagedAgentsOutcomeEvaluationResource[]>().notNull().default([]),
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

/** A session resource as stored: its rendered fields plus any secret the hands need (never rendered). */
export type StoredResource = { id: string; type: string; created_at: string; updated_at: string; [k: string]: unknown };
