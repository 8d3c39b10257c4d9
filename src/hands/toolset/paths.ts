import type { Sandbox } from "../sandbox";
import { SandboxError } from "../sandbox";
import { ToolError } from "./result";

/** Largest file `read` and `edit` load whole (the SDK's default `maxFileBytes`). */
export const MAX_FILE_BYTES = 256 * 1024;

export function normalizePath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split("/")) {
    if (!part || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

export const isWithin = (root: string, p: string) => p === root || p.startsWith(root === "/" ? "/" : `${root}/`);

/**
 * Directories outside the workdir the file tools may also reach (the session's memory store mounts), and those
 * of them they may only read: the SDK's `allowedRoots` and `readOnlyRoots`.
 */
export interface ToolRoots {
  allowed: string[];
  readOnly: string[];
}
export const NO_ROOTS: ToolRoots = { allowed: [], readOnly: [] };

/**
 * Resolves a tool's path against the workdir and keeps it inside the workdir or an allowed root, as the SDK's
 * file tools do (only bash roams).
 */
export function resolveInWorkdir(sandbox: Sandbox, p: string, roots: ToolRoots = NO_ROOTS): string {
  const resolved = normalizePath(p.startsWith("/") ? p : `${sandbox.workdir}/${p}`);
  if (!isWithin(sandbox.workdir, resolved) && !roots.allowed.some((root) => isWithin(root, resolved))) {
    throw new ToolError(`path ${JSON.stringify(p)} is outside the session's working directory`);
  }
  return resolved;
}

/** Refuses a write under a read-only root, in the SDK's words. */
export function assertNotReadOnly(roots: ToolRoots, resolved: string, tool: string, filePath: string) {
  const root = roots.readOnly.find((r) => isWithin(r, resolved));
  if (root) throw new ToolError(`${tool}: ${filePath} is inside read-only directory ${root}`);
}

/** The SDK's wording for filesystem failures, independent of the backend's own messages. */
export function fsErrorMessage(err: unknown, file: string): string {
  const code = err instanceof SandboxError ? err.code : undefined;
  switch (code) {
    case "ENOENT":
      return `${file}: no such file or directory`;
    case "EACCES":
      return `${file}: permission denied`;
    case "ENOTDIR":
      return `${file}: not a directory`;
    case "EISDIR":
      return `${file}: is a directory`;
    case "ENOSPC":
      return `${file}: ${(err as SandboxError).message}`;
    case "EROFS":
      return `${file}: read-only file system`;
    default:
      return `${file}: i/o error`;
  }
}

/** Skipped by glob and grep, as the SDK's walkers skip them. */
export const isNoise = (path: string) => /(^|\/)(\.git|node_modules)(\/|$)/.test(path);
