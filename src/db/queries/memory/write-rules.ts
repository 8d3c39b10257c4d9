import { and, eq, ne, sql, type SQL } from "drizzle-orm";
import type { Database } from "../../client";
import { memories, memoryStores } from "../../schema";
import { badRequest, notFound } from "../../../lib/errors";
import { pathConflict } from "../../../schemas/memories";
import type { MemoryScope } from "./lookups";

/**
 * The rules a memory write must keep (store open, under the cap, no overlapping path), checked
 * twice: before the write, for a precise error, and inside it as a SQL guard, against races.
 */

/** The hosted API's cap on memories per store (the SDK's sync sizes its upload pool by it). */
export const MAX_MEMORIES_PER_STORE = 2000;

/**
 * Memories whose path equals `path` or is an ancestor or descendant of it: `/a` and `/a/b`
 * can't both exist, since one would have to be a file and a directory at once in the mount.
 * Ancestors are matched exactly and descendants as a range (`path/` ≤ p < `path0`, as '0'
 * follows '/'), so both use the (store, path) index.
 */
function overlapping(path: string): SQL {
  const segments = path.slice(1).split("/");
  const selfAndAncestors = segments.map((_, i) => `/${segments.slice(0, i + 1).join("/")}`);
  return sql`(${memories.path} IN (${sql.join(
    selfAndAncestors.map((p) => sql`${p}`),
    sql`, `,
  )}) OR (${memories.path} >= ${`${path}/`} AND ${memories.path} < ${`${path}0`}))`;
}

/** Checks a store can take a memory at `path` (archived, cap, overlaps), throwing the API's error if not. */
export async function assertWritable(
  db: Database,
  scope: MemoryScope,
  path: string,
  opts: { renaming?: string; adding?: boolean },
) {
  const [store] = await db
    .select({
      archivedAt: memoryStores.archivedAt,
      count: sql<number>`(SELECT count(*) FROM ${memories} WHERE ${memories.memoryStoreId} = ${memoryStores.id})`,
    })
    .from(memoryStores)
    .where(and(eq(memoryStores.id, scope.memoryStoreId), eq(memoryStores.workspaceId, scope.workspaceId)))
    .limit(1);
  if (!store) throw notFound("memory store", scope.memoryStoreId);
  if (store.archivedAt) {
    throw badRequest(`memory store ${scope.memoryStoreId} is archived: its memories can be read and deleted, not written`);
  }
  if (opts.adding && store.count >= MAX_MEMORIES_PER_STORE) {
    throw badRequest(`memory store ${scope.memoryStoreId} already holds ${MAX_MEMORIES_PER_STORE} memories, the maximum`);
  }
  const [clash] = await db
    .select({ id: memories.id, path: memories.path })
    .from(memories)
    .where(
      and(
        eq(memories.memoryStoreId, scope.memoryStoreId),
        overlapping(path),
        opts.renaming ? ne(memories.id, opts.renaming) : undefined,
      ),
    )
    .limit(1);
  if (clash) throw pathConflict(clash, path);
}

/** SQL guard of a write: the store is still open for writes and nothing else holds an overlapping path. */
export function writableGuard(scope: MemoryScope, path: string, renaming?: string): SQL {
  return sql`EXISTS (SELECT 1 FROM ${memoryStores} WHERE ${memoryStores.id} = ${scope.memoryStoreId}
      AND ${memoryStores.workspaceId} = ${scope.workspaceId} AND ${memoryStores.archivedAt} IS NULL)
    AND NOT EXISTS (SELECT 1 FROM ${memories} WHERE ${memories.memoryStoreId} = ${scope.memoryStoreId}
      AND ${overlapping(path)} ${renaming ? sql`AND ${memories.id} <> ${renaming}` : sql``})`;
}
