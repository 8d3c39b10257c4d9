import type { Env } from "../../src/env";
import { database } from "../../src/db/client";
import { findFile } from "../../src/db/queries/files";
import { findSession } from "../../src/db/queries/sessions";
import type { SandboxBackend } from "../../src/hands/sandbox";

/**
 * Copies the session's `file` resources the sandbox has not received yet to their mount paths. Runs before
 * each tool use, so a resource added mid-session reaches the sandbox on the next one. `mounted` holds the
 * resource ids already copied into this sandbox (reset when the sandbox is torn down).
 */
export async function mountNewFiles(
  env: Env,
  scope: { workspaceId: string; sessionId: string },
  sandbox: SandboxBackend,
  mounted: Set<string>,
): Promise<boolean> {
  const db = database(env.DB);
  const session = await findSession(db, scope.workspaceId, scope.sessionId).catch(() => null);
  if (!session) return false;
  let changed = false;
  for (const resource of session.resources) {
    if (resource.type !== "file" || mounted.has(resource.id)) continue;
    const file = await findFile(db, scope.workspaceId, String(resource.file_id)).catch(() => null);
    const blob = file && (await env.BLOBS.get(file.blobKey));
    // A file deleted since it was attached has nothing to copy; it is not retried.
    if (blob) await sandbox.writeFile(String(resource.mount_path), new Uint8Array(await blob.arrayBuffer()));
    mounted.add(resource.id);
    changed = true;
  }
  return changed;
}
