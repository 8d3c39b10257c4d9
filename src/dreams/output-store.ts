import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import type { DreamRow } from "../db/schema";
import { findMemoryStore } from "../db/queries/memory/lookups";
import { nowIso } from "../lib/time";
import type { Actor } from "../schemas/memories";
import { writeMemoryAt } from "./edits";
import { storeContents } from "./inputs";

/**
 * The memory store a dream writes to. `update_existing`: the input store itself. `create_new` (the default): a
 * new store in the same workspace that starts as a copy of the input store. Its id (`plannedId`) is chosen and
 * saved by the caller before the store exists, and creating and copying are idempotent, so a runner that crashed
 * halfway through finishes the same store instead of leaving a second one behind.
 */
export async function prepareOutputStore(db: Database, row: DreamRow, actor: Actor, plannedId: string): Promise<string> {
  const input = row.inputs.find((i) => i.type === "memory_store")!.memory_store_id;
  if (row.outputBehavior.type === "update_existing") return input;
  const source = await findMemoryStore(db, row.workspaceId, input);
  const id = plannedId;
  const now = nowIso();
  await db.run(sql`INSERT OR IGNORE INTO memory_stores (id, workspace_id, name, description, metadata, created_at, updated_at)
    VALUES (${id}, ${row.workspaceId}, ${`${source.name} (dream ${row.id})`}, ${source.description},
      ${JSON.stringify(source.metadata)}, ${now}, ${now})`);
  const scope = { workspaceId: row.workspaceId, memoryStoreId: id };
  for (const memory of await storeContents(db, { workspaceId: row.workspaceId, memoryStoreId: input })) {
    await writeMemoryAt(db, scope, memory.path, memory.content, actor);
  }
  return id;
}
