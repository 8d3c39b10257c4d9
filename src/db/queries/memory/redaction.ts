import { sql } from "drizzle-orm";
import type { Database } from "../../client";
import { memories } from "../../schema";
import { ApiError } from "../../../lib/errors";
import { nowIso } from "../../../lib/time";
import type { Actor } from "../../../schemas/memories";
import { findMemoryVersion, type MemoryScope } from "./lookups";
import { transact } from "./transaction";

/**
 * Blanks a version's content, hash, size and path; the record (operation, actor, times) stays.
 * The version holding a live memory's current content can't be redacted: the memory would
 * lose its content. Update or delete the memory first. Redacting twice returns the version as is.
 */
export async function redactMemoryVersion(db: Database, scope: MemoryScope, versionId: string, actor: Actor) {
  const version = await findMemoryVersion(db, scope.workspaceId, scope.memoryStoreId, versionId);
  if (version.redactedAt) return version;
  const now = nowIso();
  const [redacted] = await transact(db, [
    sql`UPDATE memory_versions SET content = NULL, content_sha256 = NULL,
      content_size_bytes = NULL, path = NULL, redacted_at = ${now}, redacted_by_type = ${actor.type},
      redacted_by_id = ${actor.id}
    WHERE id = ${version.id} AND workspace_id = ${scope.workspaceId} AND redacted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM ${memories} WHERE ${memories.id} = ${version.memoryId}
        AND ${memories.memoryVersionId} = ${version.id})`,
  ]);
  if (!redacted) {
    const again = await findMemoryVersion(db, scope.workspaceId, scope.memoryStoreId, versionId);
    if (again.redactedAt) return again;
    throw new ApiError(
      "conflict_error",
      `memory version ${version.id} holds the current content of memory ${version.memoryId}: update or delete the memory, then redact this version`,
    );
  }
  return findMemoryVersion(db, scope.workspaceId, scope.memoryStoreId, versionId);
}
