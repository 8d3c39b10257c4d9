import type { Database } from "../../db/client";
import { createMemory, deleteMemory, updateMemory } from "../../db/queries/memory/writes";
import { ApiError } from "../../lib/errors";
import { memoryContent, pathProblem, type Actor } from "../../schemas/memories";
import type { MemoryMount } from "../../sessions/memory-mounts";
import type { SandboxBackend } from "../sandbox";
import { memoryContents, storeMemories, type StoredMemory } from "./store-view";

/** What the sandbox last had in sync with the store, per memory path: the memory and its content's hash. */
export interface BaselineEntry {
  memoryId: string;
  sha: string;
}

/** The sync's memory of each mount, kept by the sandbox's owner and forgotten with the sandbox. */
export interface MountBaseline {
  isMounted(storeId: string): boolean;
  markMounted(storeId: string): void;
  entries(storeId: string): Map<string, BaselineEntry>;
  set(storeId: string, path: string, entry: BaselineEntry): void;
  delete(storeId: string, path: string): void;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Keeps a session's memory store mounts in a cloud sandbox in step with the stores. `pull` (before a tool call)
 * fills a mount the sandbox lacks, or brings in what changed in the store since; `push` (after a tool call)
 * saves what the agent changed under a writable mount as memory versions whose actor is the session. Every save
 * is conditional on the content the mount was last in sync with (`content_sha256`, as the SDK's worker does), so
 * an edit made through the API meanwhile is never overwritten blindly: the store's version wins and the agent is
 * told. Changes the store refuses (a memory over 100 KiB, binary content, an invalid path, an archived store...)
 * and changes under a read-only mount are undone, so a mount never holds what its store does not.
 */
export class MemorySync {
  private readonly notes: string[] = [];

  constructor(
    private readonly db: Database,
    private readonly sandbox: SandboxBackend,
    private readonly baseline: MountBaseline,
    private readonly scope: { workspaceId: string; sessionId: string },
  ) {}

  /** What went unsaved in the last `push`, one line per path, for the tool result. */
  takeNotes(): string[] {
    return this.notes.splice(0);
  }

  async pull(mount: MemoryMount): Promise<void> {
    const remote = await storeMemories(this.db, this.scope.workspaceId, mount.memoryStoreId);
    const fresh = !this.baseline.isMounted(mount.memoryStoreId);
    if (fresh) await this.makeMountPoint(mount);
    const known = fresh ? new Map<string, BaselineEntry>() : this.baseline.entries(mount.memoryStoreId);
    const changed = [...remote].filter(([path, memory]) => known.get(path)?.sha !== memory.sha);
    await this.writeFromStore(mount, changed);
    for (const path of known.keys()) {
      if (!remote.has(path)) await this.forget(mount, path);
    }
    if (fresh) this.baseline.markMounted(mount.memoryStoreId);
  }

  /**
   * Saves the mount's changes. `paths` limits the check to those memory paths (a `write` or `edit` names its
   * file); without it every file under the mount is compared with the baseline (bash may have changed any).
   */
  async push(mount: MemoryMount, paths?: string[]): Promise<void> {
    const known = this.baseline.entries(mount.memoryStoreId);
    const local = await this.localHashes(mount, paths);
    if (!paths && local.size === 0 && known.size > 1) {
      // Every file gone at once reads as a lost or wiped mount, not as deletions to save (the SDK's worker does
      // the same): it is filled from the store again.
      await this.makeMountPoint(mount);
      await this.writeFromStore(mount, [...(await storeMemories(this.db, this.scope.workspaceId, mount.memoryStoreId))]);
      this.notes.push(`${mount.mountPath}: every file vanished at once; nothing was deleted from memory store "${mount.name}" and the mount holds its memories again (delete memories one file at a time)`);
      return;
    }
    const candidates = paths ?? [...new Set([...local.keys(), ...known.keys()])];
    let remote: Map<string, StoredMemory> | undefined;
    const restore = async (path: string, reason: string) => {
      remote ??= await storeMemories(this.db, this.scope.workspaceId, mount.memoryStoreId);
      const memory = remote.get(path);
      if (memory) await this.writeFromStore(mount, [[path, memory]]);
      else await this.forget(mount, path);
      this.notes.push(`${mount.mountPath}${path}: ${reason}; ${memory ? "the file now holds the store's version" : "the file was removed"}`);
    };
    for (const path of candidates) {
      const file = local.get(path);
      const base = known.get(path);
      if (file?.sha === base?.sha) continue;
      if (mount.readOnly) await restore(path, `memory store "${mount.name}" is mounted read-only`);
      else if (file) await this.save(mount, path, file.bytes, base, restore);
      else if (base) await this.remove(mount, path, base, restore);
    }
  }

  private async save(mount: MemoryMount, path: string, bytes: Uint8Array, base: BaselineEntry | undefined, restore: (path: string, reason: string) => Promise<void>) {
    const refused = (reason: string) => restore(path, `not saved to memory store "${mount.name}": ${reason}`);
    const problem = pathProblem(path);
    if (problem) return refused(`a memory path ${problem}`);
    let content: string;
    try {
      content = strictUtf8.decode(bytes);
    } catch {
      return refused("a memory must be UTF-8 text");
    }
    const checked = memoryContent.safeParse(content);
    if (!checked.success) return refused(`its content ${checked.error.issues[0].message}`);
    const storeScope = { workspaceId: this.scope.workspaceId, memoryStoreId: mount.memoryStoreId };
    try {
      const saved = base
        ? await updateMemory(this.db, storeScope, base.memoryId, { content, expectedSha256: base.sha }, this.actor()).catch((err) => {
            // Deleted in the store since: this file is now the only copy, so it becomes a new memory.
            if (err instanceof ApiError && err.status === 404) return createMemory(this.db, storeScope, { path, content, actor: this.actor() });
            throw err;
          })
        : await createMemory(this.db, storeScope, { path, content, actor: this.actor() });
      this.baseline.set(mount.memoryStoreId, path, { memoryId: saved.memory.id, sha: saved.memory.contentSha256 });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const raced = err.type === "memory_precondition_failed_error" || (err.type === "memory_path_conflict_error" && err.fields?.conflicting_path === path);
      await refused(raced ? "the memory changed in the store meanwhile, and the store's version wins" : err.message);
    }
  }

  private async remove(mount: MemoryMount, path: string, base: BaselineEntry, restore: (path: string, reason: string) => Promise<void>) {
    const storeScope = { workspaceId: this.scope.workspaceId, memoryStoreId: mount.memoryStoreId };
    try {
      await deleteMemory(this.db, storeScope, base.memoryId, base.sha, this.actor());
      this.baseline.delete(mount.memoryStoreId, path);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 404) this.baseline.delete(mount.memoryStoreId, path);
      else await restore(path, `not deleted from memory store "${mount.name}": the memory changed in the store meanwhile, and the store's version wins`);
    }
  }

  /** The files under the mount (or just `paths`) with their hashes, keyed by memory path. */
  private async localHashes(mount: MemoryMount, paths?: string[]) {
    const files = paths
      ? paths.map((path) => `${mount.mountPath}${path}`)
      : (await this.sandbox.listFiles(mount.mountPath).catch(() => [])).filter((f) => f.type === "file").map((f) => f.path);
    const hashes = new Map<string, { sha: string; bytes: Uint8Array }>();
    for (const file of files) {
      const bytes = await this.sandbox.readFile(file).catch(() => null);
      if (bytes) hashes.set(file.slice(mount.mountPath.length), { sha: await sha256(bytes), bytes });
    }
    return hashes;
  }

  private async writeFromStore(mount: MemoryMount, memories: Array<[string, StoredMemory]>) {
    const contents = await memoryContents(this.db, memories.map(([, m]) => m.versionId));
    for (const [path, memory] of memories) {
      await this.sandbox.writeFile(`${mount.mountPath}${path}`, contents.get(memory.versionId) ?? "");
      this.baseline.set(mount.memoryStoreId, path, { memoryId: memory.memoryId, sha: memory.sha });
    }
  }

  private async makeMountPoint(mount: MemoryMount) {
    await this.sandbox.makeDirectory(mount.mountPath);
  }

  private async forget(mount: MemoryMount, path: string) {
    await this.sandbox.removeFile(`${mount.mountPath}${path}`);
    this.baseline.delete(mount.memoryStoreId, path);
  }

  private actor(): Actor {
    return { type: "session_actor", id: this.scope.sessionId };
  }
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
