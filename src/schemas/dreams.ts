import { z } from "zod";
import type { BetaDream, BetaDreamInput, BetaDreamStatus } from "@anthropic-ai/sdk/resources/beta/dreams";
import type { DreamRow } from "../db/schema";
import { pageParams } from "../lib/pagination";
import { booleanQuery, timestampQuery } from "./agents";

/** The research preview's beta: every dreams request must carry it (the SDK adds it itself). */
export const DREAMS_BETA = "dreaming-2026-04-21";

export const DREAM_STATUSES = ["pending", "running", "completed", "failed", "canceled"] as const satisfies readonly BetaDreamStatus[];
export const FINAL_STATUSES: ReadonlySet<BetaDreamStatus> = new Set(["completed", "failed", "canceled"]);

const memoryStoreInput = z.strictObject({ type: z.literal("memory_store"), memory_store_id: z.string().min(1) });
const sessionsInput = z.strictObject({
  type: z.literal("sessions"),
  session_ids: z
    .array(z.string().min(1))
    .min(1)
    .max(100)
    .refine((ids) => new Set(ids).size === ids.length, "must not repeat a session id"),
});

const modelParam = z.union([
  z.string().min(1).max(256),
  z.strictObject({
    id: z.string().min(1).max(256),
    // Checked below, so the error names the field rather than the union's "Invalid input".
    speed: z.enum(["standard", "fast"]).nullish(),
  }),
]);

const outputBehavior = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("create_new") }),
  z.strictObject({ type: z.literal("update_existing"), memory_store_id: z.string().min(1) }),
]);

/** `dreams.create`: exactly one `memory_store` input and exactly one `sessions` input. */
export const createDreamBody = z
  .strictObject({
    inputs: z.array(z.discriminatedUnion("type", [memoryStoreInput, sessionsInput])),
    model: modelParam,
    instructions: z.string().min(1).max(4096).nullish(),
    output_behavior: outputBehavior.optional(),
  })
  .superRefine((body, ctx) => {
    if (typeof body.model === "object" && body.model.speed === "fast") {
      ctx.addIssue({ code: "custom", path: ["model", "speed"], message: "dreams accept only speed `standard`" });
    }
    for (const type of ["memory_store", "sessions"] as const) {
      const count = body.inputs.filter((i) => i.type === type).length;
      if (count !== 1) ctx.addIssue({ code: "custom", path: ["inputs"], message: `must hold exactly one \`${type}\` entry (got ${count})` });
    }
    const store = body.inputs.find((i) => i.type === "memory_store");
    if (body.output_behavior?.type === "update_existing" && store && body.output_behavior.memory_store_id !== store.memory_store_id) {
      ctx.addIssue({
        code: "custom",
        path: ["output_behavior", "memory_store_id"],
        message: "must be the memory store of the `memory_store` entry of `inputs`",
      });
    }
  });
export type CreateDreamBody = z.infer<typeof createDreamBody>;

/** `dreams.list`; `statuses` arrives as `statuses[]` (the SDK's bracket format) and is read by the route. */
export const listDreamsQuery = pageParams.extend({
  "created_at[gt]": timestampQuery.optional(),
  "created_at[lt]": timestampQuery.optional(),
  include_archived: booleanQuery.optional(),
});
export const dreamStatuses = z.array(z.enum(DREAM_STATUSES));

/** Inputs as the API echoes them: session ids sorted. */
export const renderInputs = (inputs: CreateDreamBody["inputs"]): BetaDreamInput[] =>
  inputs.map((i) => (i.type === "sessions" ? { type: "sessions", session_ids: [...i.session_ids].sort() } : i));

export const dreamJson = (row: DreamRow): BetaDream => ({
  type: "dream",
  id: row.id,
  status: row.status,
  inputs: row.inputs,
  instructions: row.instructions,
  model: row.model,
  output_behavior: row.outputBehavior,
  outputs: row.outputMemoryStoreId ? [{ type: "memory_store", memory_store_id: row.outputMemoryStoreId }] : [],
  // A dream here is run by its own runner object with the brain's model client, not by a session.
  session_id: null,
  error: row.error,
  usage: row.usage,
  created_at: row.createdAt,
  ended_at: row.endedAt,
  archived_at: row.archivedAt,
});
