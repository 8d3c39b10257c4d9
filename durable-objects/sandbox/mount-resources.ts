import type { Env } from "../../src/env";
import { database, type Database } from "../../src/db/client";
import { findFile } from "../../src/db/queries/files";
import type { StoredResource } from "../../src/db/schema/sessions";
import type { SandboxBackend } from "../../src/hands/sandbox";
import { cloneRepository } from "../../src/hands/clone-repository";

/**
 * Copies the session's `file` and `github_repository` resources the sandbox has not received yet to their
 * mount paths (repositories: src/hands/clone-repository.ts, the only reader of their tokens). Runs before
 * each tool use, so a resource added mid-session reaches the sandbox on the next one. `mounted` holds the
 * resource ids already copied into this sandbox (reset when the sandbox is torn down). Failures are logged:
 * the tool use runs regardless.
 */
export async function mountNewFiles(
  env: Env,
  scope: { workspaceId: string; sessionId: string },
  resources: StoredResource[],
  sandbox: SandboxBackend,
  mounted: Set<string>,
): Promise<boolean> {
  try {
    return await copyNew(env, database(env.DB), scope, resources, sandbox, mounted);
  } catch (err) {
    console.error(JSON.stringify({ level: "error", message: "mounting session resources failed", session: scope.sessionId, error: String(err) }));
    return false;
  }
}

async function copyNew(
  env: Env,
  db: Database,
  scope: { workspaceId: string; sessionId: string },
  resources: StoredResource[],
  sandbox: SandboxBackend,
  mounted: Set<string>,
): Promise<boolean> {
  let changed = false;
  for (const resource of resources) {
    if (mounted.has(resource.id)) continue;
    if (resource.type === "github_repository") {
      try {
        await cloneRepository(env, scope.workspaceId, resource, sandbox);
      } catch (err) {
        // Not retried on every tool use: a repository that cannot be fetched now stays missing (logged).
        console.error(JSON.stringify({ level: "error", message: "copying a repository into the sandbox failed", resource: resource.id, error: String(err) }));
      }
      mounted.add(resource.id);
      changed = true;
      continue;
    }
    if (resource.type !== "file") continue;
    const file = await findFile(db, scope.workspaceId, String(resource.file_id)).catch(() => null);
    const blob = file && (await env.BLOBS.get(file.blobKey));
    // A file deleted since it was attached has nothing to copy; it is not retried.
    if (blob) await sandbox.writeFile(String(resource.mount_path), new Uint8Array(await blob.arrayBuffer()));
    mounted.add(resource.id);
    changed = true;
  }
  return changed;
}
