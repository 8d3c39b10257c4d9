import { sql } from "drizzle-orm";
import type { Env } from "../env";
import { database } from "../db/client";
import { files, skillVersions } from "../db/schema";
import { codedBadRequest } from "../lib/errors";
import { loadWorkspaceLimits, type WorkspaceLimits } from "./workspace-limits";

/** Bytes the workspace keeps in R2 as files and skill-version archives (the sizes their rows record). */
export async function storedBytes(env: Pick<Env, "DB">, workspaceId: string): Promise<number> {
  const row = await database(env.DB).get<{ total: number }>(
    sql`select (select coalesce(sum(${files.sizeBytes}), 0) from ${files} where ${files.workspaceId} = ${workspaceId})
      + (select coalesce(sum(${skillVersions.sizeBytes}), 0) from ${skillVersions} where ${skillVersions.workspaceId} = ${workspaceId}) as total`,
  );
  return Number(row?.total ?? 0);
}

/**
 * Refuses an upload of `incoming` bytes (already in R2; the caller deletes them on a refusal) that would take the
 * workspace past `max_storage_bytes`, with the code the SDK raises as `StorageQuotaExceededError`. Checked just
 * before the row that counts the bytes is written: uploads finishing at the same moment can pass together, by at
 * most their own sizes.
 */
export async function assertStorageFits(
  env: Pick<Env, "DB" | "WORKSPACE_DEFAULT_LIMITS">,
  workspaceId: string,
  limits: WorkspaceLimits | undefined,
  incoming: number,
): Promise<void> {
  const cap = (limits ?? (await loadWorkspaceLimits(env, workspaceId))).max_storage_bytes;
  const stored = await storedBytes(env, workspaceId);
  if (stored + incoming > cap) {
    throw codedBadRequest(
      "storage_quota_exceeded",
      `the workspace's storage limit (max_storage_bytes: ${cap} bytes) would be exceeded: ${stored} bytes are stored in files and skill versions, this upload has ${incoming}; delete files or skill versions to free space`,
    );
  }
}
