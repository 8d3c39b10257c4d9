import type { HandsEnvironment } from "./environment";

/**
 * A session's sandbox as the toolset sees it. Two backends implement it: the in-isolate sandbox (just-bash over
 * a Durable Object's SQLite) and Cloudflare Containers (`@cloudflare/sandbox`). The tools in `toolset/` are written
 * once against this interface, so a tool behaves the same whichever backend runs it.
 */
export interface Sandbox {
  /** Where relative paths resolve and what backup/restore cover (`/workspace`). */
  readonly workdir: string;
  /**
   * Runs a command in the session's persistent shell: cwd and exported variables carry over to the next call,
   * as in the SDK's own bash tool. Output is stdout and stderr interleaved as the shell wrote them.
   */
  exec(command: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ExecResult>;
  /** Starts a fresh shell (the bash tool's `restart`). */
  restartShell(): Promise<void>;
  /** The bytes of a regular file; throws a `SandboxError` (ENOENT, EISDIR...) otherwise. */
  readFile(path: string): Promise<Uint8Array>;
  /** Writes a file, creating parent directories. */
  writeFile(path: string, content: string | Uint8Array): Promise<void>;
  /** Metadata of a path (symlinks followed), or null if nothing is there. */
  stat(path: string): Promise<SandboxEntry | null>;
  /** Regular files under `dir`, recursively (the glob and grep tools walk this). */
  listFiles(dir: string): Promise<SandboxEntry[]>;
  /** Snapshots the workdir to durable storage; the handle is plain JSON, kept by the caller. */
  backup(): Promise<BackupHandle>;
  /** Replaces the workdir with a snapshot's contents. */
  restore(handle: BackupHandle): Promise<void>;
  /** Deletes a snapshot this backend made (one a newer snapshot superseded). */
  discard(handle: BackupHandle): Promise<void>;
  /** Frees everything the sandbox holds (its files, its shell, its container). */
  destroy(): Promise<void>;
}

/** What the sandbox Durable Object needs beyond the tools: provisioning a fresh sandbox for a session. */
export interface SandboxBackend extends Sandbox {
  /** False for a sandbox that has never been set up, or one whose container restarted and lost its disk. */
  isProvisioned(): Promise<boolean>;
  /** Installs the environment's packages and applies its network policy; then the caller restores the workspace. */
  provision(environment: HandsEnvironment): Promise<void>;
  /** Creates a directory and its parents (a memory store's mount point); an existing one is left as is. */
  makeDirectory(path: string): Promise<void>;
  /** Deletes a file; nothing there is not an error. */
  removeFile(path: string): Promise<void>;
  /**
   * Directories the shell may read but not change (the session's `read_only` memory store mounts). The isolate
   * refuses changes there with EROFS; a container cannot (its shell is root), so the memory sync puts back whatever
   * the shell changed there after each tool call.
   */
  setReadOnlyRoots(roots: string[]): void;
}

export interface ExecResult {
  output: string;
  exitCode: number;
  /** The output was cut to the last `OUTPUT_LIMIT` characters. */
  truncated: boolean;
}

export interface SandboxEntry {
  path: string;
  type: "file" | "directory" | "symlink";
  size: number;
  mtimeMs: number;
}

/** Where a snapshot lives; `backend` says which implementation can restore it. */
export type BackupHandle =
  | { backend: "isolate"; key: string; createdAt: string }
  | { backend: "container"; id: string; dir: string; localBucket?: boolean; createdAt: string };

/** The bash tool keeps at most this much output (the SDK's limit), the tail. */
export const OUTPUT_LIMIT = 100 * 1024;

/** Filesystem failures as codes, so tools word them the same way on every backend. */
export class SandboxError extends Error {
  constructor(
    readonly code: "ENOENT" | "EISDIR" | "ENOTDIR" | "EACCES" | "EROFS" | "ENOSPC" | "EIO",
    message: string,
  ) {
    super(message);
  }
}

/** Maps a backend's error (Node-style `CODE: ...` text or a code property) to a SandboxError. */
export function toSandboxError(err: unknown): SandboxError {
  if (err instanceof SandboxError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string })?.code ?? text.match(/\b(ENOENT|EISDIR|ENOTDIR|EACCES|EPERM|EROFS|ENOSPC|EFBIG)\b/)?.[1];
  if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR" || code === "EROFS") return new SandboxError(code, text);
  if (code === "EACCES" || code === "EPERM") return new SandboxError("EACCES", text);
  // A full filesystem (or a file past its size limit) says so, with the limit: the agent can act on it.
  if (code === "ENOSPC" || code === "EFBIG") return new SandboxError("ENOSPC", text);
  if (/not found|no such file/i.test(text)) return new SandboxError("ENOENT", text);
  if (/is a directory/i.test(text)) return new SandboxError("EISDIR", text);
  return new SandboxError("EIO", text);
}
