import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../../client";
import { memories, type MemoryRow } from "../../schema";
import { newId, sha256Hex } from "../../../lib/ids";
import { nowIso } from "../../../lib/time";
import { preconditionFailed, utf8Length, type Actor } from "../../../schemas/memories";
import { findMemory, type MemoryScope, type MemoryWithContent } from "./lookups";
import { transact, untilApplied } from "./transaction";
import { assertWritable, MAX_MEMORIES_PER_STORE, writableGuard } from "./write-rules";

/**
 * Memory writes. Each one reads, checks, then writes with a compare-and-swap in one D1 batch
 * (one transaction): the memory row changes only if the state it was checked against still
 * holds, and the version row is appended only if the memory row changed. A lost race re-reads
 * and re-checks, so preconditions and path rules hold even between concurrent writers.
 */

interface NewVersion {
  id: string;
  memoryId: string;
  operation: "created" | "modified" | "deleted";
  path: string;
  content: string | null;
  contentSha256: string | null;
  contentSizeBytes: number | null;
  actor: Actor;
  createdAt: string;
}

/** Appends a version, but only when `guard` (the memory row's expected state) holds. */
function appendVersion(scope: MemoryScope, v: NewVersion, guard: SQL) {
  return sql`INSERT INTO memory_versions (id, workspace_id, memory_store_id, memory_id, operation, path,
      content, content_sha256, content_size_bytes, created_by_type, created_by_id, created_at)
    SELECT ${v.id}, ${scope.workspaceId}, ${scope.memoryStoreId}, ${v.memoryId}, ${v.operation}, ${v.path},
      ${v.content}, ${v.contentSha256}, ${v.contentSizeBytes}, ${v.actor.type}, ${v.actor.id}, ${v.createdAt}
    WHERE ${guard}`;
}

const headIs = (memoryId: string, versionId: string) =>
  sql`EXISTS (SELECT 1 FROM ${memories} WHERE ${memories.id} = ${memoryId} AND ${memories.memoryVersionId} = ${versionId})`;

async function contentFacts(content: string) {
  return { contentSha256: await sha256Hex(content), contentSizeBytes: utf8Length(content) };
}

/** Creates a memory at `path` and its `created` version. */
export async function createMemory(db: Database, scope: MemoryScope, input: { path: string; content: string; actor: Actor }) {
  const facts = await contentFacts(input.content);
  return untilApplied<MemoryWithContent>(async () => {
    await assertWritable(db, scope, input.path, { adding: true });
    const now = nowIso();
    const memory: MemoryRow = {
      id: newId("mem"),
      ...scope,
      path: input.path,
      ...facts,
      memoryVersionId: newId("memver"),
      createdAt: now,
      updatedAt: now,
    };
    const [inserted] = await transact(db, [
      sql`INSERT INTO memories (id, workspace_id, memory_store_id, path, content_sha256, content_size_bytes,
          memory_version_id, created_at, updated_at)
        SELECT ${memory.id}, ${memory.workspaceId}, ${memory.memoryStoreId}, ${memory.path}, ${memory.contentSha256},
          ${memory.contentSizeBytes}, ${memory.memoryVersionId}, ${now}, ${now}
        WHERE ${writableGuard(scope, memory.path)}
          AND (SELECT count(*) FROM ${memories} WHERE ${memories.memoryStoreId} = ${scope.memoryStoreId}) < ${MAX_MEMORIES_PER_STORE}`,
      appendVersion(
        scope,
        {
          ...facts,
          id: memory.memoryVersionId,
          memoryId: memory.id,
          operation: "created",
          path: memory.path,
          content: input.content,
          actor: input.actor,
          createdAt: now,
        },
        headIs(memory.id, memory.memoryVersionId),
      ),
    ]);
    return inserted ? { memory, content: input.content } : undefined;
  });
}

export interface MemoryChange {
  content?: string;
  path?: string;
  /** `content_sha256` the memory must have for the change to apply. */
  expectedSha256?: string;
}

/**
 * Changes a memory's content, path or both, as one `modified` version. A change that changes
 * nothing writes nothing. A failed precondition is a 409, unless the memory already is exactly
 * what was asked for (a retried request that did land).
 */
export async function updateMemory(db: Database, scope: MemoryScope, memoryId: string, change: MemoryChange, actor: Actor) {
  const requestedFacts = change.content === undefined ? undefined : await contentFacts(change.content);
  return untilApplied<MemoryWithContent>(async () => {
    const current = await findMemory(db, scope.workspaceId, scope.memoryStoreId, memoryId, true);
    const { memory } = current;
    const path = change.path ?? memory.path;
    const facts = requestedFacts ?? { contentSha256: memory.contentSha256, contentSizeBytes: memory.contentSizeBytes };
    await assertWritable(db, scope, path, { renaming: memory.id });
    const unchanged = path === memory.path && facts.contentSha256 === memory.contentSha256;
    if (change.expectedSha256 && change.expectedSha256 !== memory.contentSha256) {
      if (unchanged) return current;
      throw preconditionFailed(
        `memory ${memory.id} no longer has content_sha256 ${change.expectedSha256}: retrieve it and retry against its current content`,
      );
    }
    if (unchanged) return current;

    const content = change.content ?? current.content;
    const now = nowIso();
    const next: MemoryRow = { ...memory, path, ...facts, memoryVersionId: newId("memver"), updatedAt: now };
    const [updated] = await transact(db, [
      sql`UPDATE memories SET path = ${path}, content_sha256 = ${next.contentSha256},
          content_size_bytes = ${next.contentSizeBytes}, memory_version_id = ${next.memoryVersionId}, updated_at = ${now}
        WHERE id = ${memory.id} AND workspace_id = ${scope.workspaceId} AND memory_version_id = ${memory.memoryVersionId}
          AND ${writableGuard(scope, path, memory.id)}`,
      appendVersion(
        scope,
        {
          ...facts,
          id: next.memoryVersionId,
          memoryId: memory.id,
          operation: "modified",
          path,
          content,
          actor,
          createdAt: now,
        },
        headIs(memory.id, next.memoryVersionId),
      ),
    ]);
    return updated ? { memory: next, content } : undefined;
  });
}

/** Deletes a memory, leaving its versions and a `deleted` one. Allowed in archived stores. */
export async function deleteMemory(
  db: Database,
  scope: MemoryScope,
  memoryId: string,
  expectedSha256: string | undefined,
  actor: Actor,
) {
  return untilApplied<MemoryRow>(async () => {
    const { memory } = await findMemory(db, scope.workspaceId, scope.memoryStoreId, memoryId, false);
    if (expectedSha256 && expectedSha256 !== memory.contentSha256) {
      throw preconditionFailed(
        `memory ${memory.id} no longer has content_sha256 ${expectedSha256}: nothing was deleted; retrieve it and retry`,
      );
    }
    const version: NewVersion = {
      id: newId("memver"),
      memoryId: memory.id,
      operation: "deleted",
      path: memory.path,
      content: null,
      contentSha256: null,
      contentSizeBytes: null,
      actor,
      createdAt: nowIso(),
    };
    // The version goes first, guarded by the head this delete checked; the delete then
    // removes exactly that head, so both apply or neither does.
    const [appended] = await transact(db, [
      appendVersion(scope, version, headIs(memory.id, memory.memoryVersionId)),
      sql`DELETE FROM memories WHERE id = ${memory.id} AND workspace_id = ${scope.workspaceId}
        AND memory_version_id = ${memory.memoryVersionId}`,
    ]);
    return appended ? memory : undefined;
  });
}
