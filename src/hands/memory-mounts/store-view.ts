import type { Database } from "../../db/client";
import { headContents, listMemories } from "../../db/queries/memory/listing";
import { MAX_MEMORIES_PER_STORE } from "../../db/queries/memory/write-rules";

/** A memory as the mount sync compares it: where it is, which it is, and a hash of what it holds. */
export interface StoredMemory {
  memoryId: string;
  sha: string;
  versionId: string;
}

/** D1 binds at most 100 parameters per statement. */
const CONTENT_BATCH = 90;

/** Every memory of a store by path, without content (one indexed read; the per-store cap bounds it). */
export async function storeMemories(db: Database, workspaceId: string, memoryStoreId: string): Promise<Map<string, StoredMemory>> {
  const { items } = await listMemories(db, { workspaceId, memoryStoreId }, { prefix: "/", depth: 0, limit: MAX_MEMORIES_PER_STORE + 1, withContent: false });
  const memories = new Map<string, StoredMemory>();
  for (const item of items) {
    if (item.kind === "memory") memories.set(item.memory.path, { memoryId: item.memory.id, sha: item.memory.contentSha256, versionId: item.memory.memoryVersionId });
  }
  return memories;
}

/** The content of the given memories, by version id, read in batches. */
export async function memoryContents(db: Database, versionIds: string[]): Promise<Map<string, string | null>> {
  const contents = new Map<string, string | null>();
  for (let i = 0; i < versionIds.length; i += CONTENT_BATCH) {
    for (const [id, content] of await headContents(db, versionIds.slice(i, i + CONTENT_BATCH))) contents.set(id, content);
  }
  return contents;
}
