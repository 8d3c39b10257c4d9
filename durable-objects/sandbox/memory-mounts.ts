import type { Database } from "../../src/db/client";
import type { ToolUse } from "../../src/hands";
import { MemorySync, type MountBaseline } from "../../src/hands/memory-mounts/memory-sync";
import type { SandboxBackend } from "../../src/hands/sandbox";
import type { ToolResultEvent, ToolRoots } from "../../src/hands/toolset";
import { isWithin, normalizePath } from "../../src/hands/toolset/paths";
import type { MemoryMount } from "../../src/sessions/memory-mounts";

/** At most this many unsaved-change notes are added to one tool result; the rest are counted. */
const MAX_NOTES = 20;

export interface MemoryMountContext {
  db: Database;
  sandbox: SandboxBackend;
  baseline: MountBaseline;
  scope: { workspaceId: string; sessionId: string };
  /** The backend refuses changes under read-only roots itself (the isolate); a container's must be undone. */
  enforcesReadOnly: boolean;
}

/**
 * Runs one tool use with the session's memory stores mounted: each store is brought up to date in the sandbox
 * first (memory-sync.ts), the file tools may reach the mounts (and not write to read-only ones), and afterwards
 * what the tool changed there is saved to the stores. A result whose changes were not all saved says which and
 * why, and is an error. A store the sync cannot reach (deleted since the session began, D1 unavailable) is
 * logged and left as it is; the tool runs regardless.
 */
export async function withMemoryMounts(
  ctx: MemoryMountContext,
  mounts: MemoryMount[],
  toolUse: ToolUse,
  run: (roots: ToolRoots) => Promise<ToolResultEvent>,
): Promise<ToolResultEvent> {
  if (!mounts.length) return run({ allowed: [], readOnly: [] });
  const sync = new MemorySync(ctx.db, ctx.sandbox, ctx.baseline, ctx.scope);
  const readOnly = mounts.filter((m) => m.readOnly).map((m) => m.mountPath);
  // Read-only for the tool only: the sync itself fills and repairs the mounts.
  ctx.sandbox.setReadOnlyRoots([]);
  for (const mount of mounts) await guarded(mount, "mounting", () => sync.pull(mount));
  ctx.sandbox.setReadOnlyRoots(readOnly);
  let result: ToolResultEvent;
  try {
    result = await run({ allowed: mounts.map((m) => m.mountPath), readOnly });
  } finally {
    ctx.sandbox.setReadOnlyRoots([]);
  }
  for (const [mount, paths] of changedBy(toolUse, mounts, ctx)) await guarded(mount, "saving", () => sync.push(mount, paths));
  const notes = sync.takeNotes();
  if (!notes.length) return result;
  const shown = notes.slice(0, MAX_NOTES);
  if (notes.length > shown.length) shown.push(`...and ${notes.length - shown.length} more`);
  const text = `${result.content.map((b) => b.text).join("\n")}\n\nMemory store changes not saved:\n${shown.join("\n")}`;
  return { ...result, is_error: true, content: [{ type: "text", text }] };
}

/**
 * The mounts a tool use may have changed, with the memory paths to check (undefined: every file). `write` and
 * `edit` change the one file they name (and refuse read-only mounts themselves); bash may change anything. Where
 * the backend cannot keep the shell out of read-only mounts, those are checked after any writing tool (a symlink
 * made with bash could lead a `write` there).
 */
function changedBy(toolUse: ToolUse, mounts: MemoryMount[], ctx: MemoryMountContext): Array<[MemoryMount, string[] | undefined]> {
  const writes = toolUse.name === "bash" || toolUse.name === "write" || toolUse.name === "edit";
  if (!writes) return [];
  const unguarded = ctx.enforcesReadOnly ? [] : mounts.filter((m) => m.readOnly).map((m): [MemoryMount, undefined] => [m, undefined]);
  if (toolUse.name === "bash") return [...mounts.filter((m) => !m.readOnly).map((m): [MemoryMount, undefined] => [m, undefined]), ...unguarded];
  const filePath = (toolUse.input as { file_path?: unknown } | null)?.file_path;
  if (typeof filePath !== "string") return unguarded;
  const abs = normalizePath(filePath.startsWith("/") ? filePath : `${ctx.sandbox.workdir}/${filePath}`);
  const mount = mounts.find((m) => !m.readOnly && isWithin(m.mountPath, abs) && abs !== m.mountPath);
  return mount ? [[mount, [abs.slice(mount.mountPath.length)]], ...unguarded] : unguarded;
}

async function guarded(mount: MemoryMount, doing: string, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (err) {
    console.error(JSON.stringify({ level: "error", message: `${doing} a memory store in the sandbox failed`, memory_store_id: mount.memoryStoreId, error: String(err) }));
  }
}
