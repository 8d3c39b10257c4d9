import { and, eq, sql } from "drizzle-orm";
import type { BetaDreamErrorObject, BetaDreamStatus, BetaDreamUsage } from "@anthropic-ai/sdk/resources/beta/dreams";
import type { Database } from "../db/client";
import { dreams, type DreamRow } from "../db/schema";
import { notFound } from "../lib/errors";
import { nowIso } from "../lib/time";

export const zeroDreamUsage = (): BetaDreamUsage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
});

export async function findDream(db: Database, workspaceId: string, dreamId: string): Promise<DreamRow> {
  const [row] = await db
    .select()
    .from(dreams)
    .where(and(eq(dreams.id, dreamId), eq(dreams.workspaceId, workspaceId)))
    .limit(1);
  if (!row) throw notFound("dream", dreamId);
  return row;
}

const own = (row: Pick<DreamRow, "id" | "workspaceId">) => and(eq(dreams.id, row.id), eq(dreams.workspaceId, row.workspaceId));
const notFinal = sql`${dreams.status} IN ('pending', 'running')`;

/** pending → running, once: a resumed runner finds it already running and goes on. */
export const markRunning = (db: Database, row: DreamRow) =>
  db.update(dreams).set({ status: "running" }).where(and(own(row), eq(dreams.status, "pending")));

export const recordOutput = (db: Database, row: DreamRow, memoryStoreId: string) =>
  db.update(dreams).set({ outputMemoryStoreId: memoryStoreId }).where(own(row));

export const recordUsage = (db: Database, row: DreamRow, usage: BetaDreamUsage) =>
  db.update(dreams).set({ usage }).where(own(row));

/**
 * Ends a dream that has not ended yet, and reports whether this call ended it: a cancel racing the runner's
 * completion leaves exactly one final status, whichever wrote first.
 */
export async function finish(
  db: Database,
  row: Pick<DreamRow, "id" | "workspaceId">,
  status: Exclude<BetaDreamStatus, "pending" | "running">,
  error: BetaDreamErrorObject | null = null,
): Promise<boolean> {
  const result = await db.update(dreams).set({ status, error, endedAt: nowIso() }).where(and(own(row), notFinal));
  return result.meta.changes > 0;
}

/** The runner has fully stopped: an `update_existing` dream lets go of its memory store. */
export const releaseHold = (db: Database, row: Pick<DreamRow, "id" | "workspaceId">) =>
  db.update(dreams).set({ heldMemoryStoreId: null }).where(own(row));
