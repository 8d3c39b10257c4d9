import { and, eq, getTableColumns, sql, type SQL } from "drizzle-orm";
import type { Database } from "../../client";
import { memories, memoryStores, memoryVersions, type MemoryRow, type MemoryStoreRow } from "../../schema";
import { notFound } from "../../../lib/errors";

/** The store a memory query works in, always within one workspace (other tenants' ids are 404s). */
export type MemoryScope = { workspaceId: string; memoryStoreId: string };

/** A memory with its current content (that of its head version). */
export interface MemoryWithContent {
  memory: MemoryRow;
  content: string;
}

/** A memory store of this workspace, or a 404. */
export async function findMemoryStore(db: Database, workspaceId: string, storeId: string): Promise<MemoryStoreRow> {
  const [row] = await db
    .select()
    .from(memoryStores)
    .where(and(eq(memoryStores.id, storeId), eq(memoryStores.workspaceId, workspaceId)))
    .limit(1);
  if (!row) throw notFound("memory store", storeId);
  return row;
}

/** Memory columns plus `content`: the head version's, or NULL when the view leaves it out. */
export const memorySelection = <Full extends boolean>(withContent: Full) => ({
  memory: memories,
  content: (withContent
    ? sql`(SELECT ${memoryVersions.content} FROM ${memoryVersions} WHERE ${memoryVersions.id} = ${memories.memoryVersionId})`
    : sql`NULL`) as SQL<Full extends true ? string : null>,
});

/** A memory of this workspace's store, or a 404 (another tenant's ids included). */
export async function findMemory<Full extends boolean>(
  db: Database,
  workspaceId: string,
  storeId: string,
  memoryId: string,
  withContent: Full,
) {
  const [row] = await db
    .select(memorySelection(withContent))
    .from(memories)
    .where(
      and(eq(memories.id, memoryId), eq(memories.memoryStoreId, storeId), eq(memories.workspaceId, workspaceId)),
    )
    .limit(1);
  if (!row) throw notFound("memory", memoryId);
  return row;
}

/** A memory version of this workspace's store, or a 404. */
export async function findMemoryVersion(db: Database, workspaceId: string, storeId: string, versionId: string) {
  const [row] = await db
    .select()
    .from(memoryVersions)
    .where(
      and(
        eq(memoryVersions.id, versionId),
        eq(memoryVersions.memoryStoreId, storeId),
        eq(memoryVersions.workspaceId, workspaceId),
      ),
    )
    .limit(1);
  if (!row) throw notFound("memory version", versionId);
  return row;
}

/** Version columns with `content` only when the view shows it (a page could otherwise read megabytes). */
export function versionSelection(withContent: boolean) {
  const { content, ...rest } = getTableColumns(memoryVersions);
  return { ...rest, content: withContent ? content : sql<null>`NULL` };
}
