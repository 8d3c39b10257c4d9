import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { BetaDreamErrorObject, BetaDreamInput, BetaDreamModelConfig, BetaDreamStatus, BetaDreamUsage, BetaOutputBehavior } from "@anthropic-ai/sdk/resources/beta/dreams";

/** A dream as the API serves it; its DreamRunner Durable Object is the only writer after creation. */
export const dreams = sqliteTable(
  "dreams",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    status: text("status").$type<BetaDreamStatus>().notNull(),
    inputs: text("inputs", { mode: "json" }).$type<BetaDreamInput[]>().notNull(),
    instructions: text("instructions"),
    model: text("model", { mode: "json" }).$type<BetaDreamModelConfig>().notNull(),
    outputBehavior: text("output_behavior", { mode: "json" }).$type<BetaOutputBehavior>().notNull(),
    outputMemoryStoreId: text("output_memory_store_id"),
    heldMemoryStoreId: text("held_memory_store_id"),
    error: text("error", { mode: "json" }).$type<BetaDreamErrorObject>(),
    usage: text("usage", { mode: "json" }).$type<BetaDreamUsage>().notNull(),
    createdAt: text("created_at").notNull(),
    endedAt: text("ended_at"),
    archivedAt: text("archived_at"),
  },
  (t) => [index("dreams_workspace").on(t.workspaceId, t.id)],
);

export type DreamRow = typeof dreams.$inferSelect;
