import type { HandsEnvironment, NetworkPolicy } from "../environment";
import { containerEgress } from "../network-policy";
import { OUTPUT_LIMIT, SandboxError, toSandboxError } from "../sandbox";
import type { BackupHandle, ExecResult, SandboxBackend, SandboxEntry } from "../sandbox";
import type { SecretEgressParams } from "../egress-container";
import { packageInstallCommands, shellQuote } from "./provision";
import type { ContainerEgressPolicy } from "./sandbox-object";

const WORKDIR = "/workspace";
const MARKER = "/var/lib/managed-agents/provisioned";
/** The agent's persistent shell: one named session of the container, re-created after it dies or times out. */
const SHELL_ID = "agent-shell";
const DEFAULT_TIMEOUT_MS = 120_000;
const INSTALL_TIMEOUT_MS = 15 * 60_000;
/** Snapshots outlive idle gaps of a long-running session; a restore refuses one older than this. */
const BACKUP_TTL_S = 30 * 24 * 60 * 60;
/** Where the sandbox SDK keeps a backup in its bucket (`backups/<id>/data.sqsh` and `meta.json`). */
const backupKeys = (id: string) => [`backups/${id}/data.sqsh`, `backups/${id}/meta.json`];
/**
 * A snapshot restored through the Worker goes into the container in parts of this size: the SDK's own local
 * restore sends the whole archive as one request (over 128 MB of base64 for a 100 MB workspace, which the
 * container server refuses) and holds it in memory twice.
 */
const RESTORE_PART_BYTES = 8 * 1024 * 1024;
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

interface ContainerExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface ContainerShell {
  exec(command: string, options?: { timeout?: number; cwd?: string }): Promise<ContainerExecResult>;
}

/**
 * The part of the container stub (`getSandbox()` over the `Sandbox` class, containers/sandbox-object.ts) this
 * adapter uses. Kept narrow and structural so fault-injection tests can stand in a fake that behaves like it.
 */
export interface ContainerClient {
  /** Runs in the SDK's default session (cwd /workspace), not the agent's shell: stat, installs, markers. */
  exec(command: string, options?: { timeout?: number; cwd?: string }): Promise<ContainerExecResult>;
  /** Throws when a session with this id already exists in the container. */
  createSession(options: { id: string; cwd?: string; env?: Record<string, string> }): Promise<ContainerShell>;
  /** Never throws: a wrapper for the id; a command sent to a session the container lacks creates a bare one. */
  getSession(id: string): Promise<ContainerShell>;
  deleteSession(id: string): Promise<unknown>;
  readFile(path: string, options: { encoding: "base64" }): Promise<{ content: string; encoding?: string }>;
  writeFile(path: string, content: string, options: { encoding: "base64" }): Promise<unknown>;
  mkdir(path: string, options: { recursive: boolean }): Promise<unknown>;
  listFiles(
    path: string,
    options: { recursive: boolean; includeHidden: boolean },
  ): Promise<{ files: Array<{ absolutePath: string; type: string; size: number; modifiedAt: string }> }>;
  exists(path: string): Promise<{ exists: boolean }>;
  createBackup(options: { dir: string; name?: string; ttl?: number; localBucket?: boolean }): Promise<{ id: string; dir: string; localBucket?: boolean }>;
  /** The presigned-URL restore (R2 credentials set); a snapshot in the bound bucket is restored by the adapter. */
  restoreBackup(backup: { id: string; dir: string }): Promise<unknown>;
  /** The session's network policy and secret egress (sandbox-object.ts); applied before the container starts. */
  applyEgressPolicy(policy: ContainerEgressPolicy): Promise<void>;
  destroy(): Promise<void>;
}

export interface ContainerSandboxOptions {
  sessionId: string;
  networking: NetworkPolicy;
  /** Variables the agent's shell starts with: each credential's name bound to its placeholder. */
  shellEnv: Record<string, string>;
  /** Set when the session has credentials: whose secrets the egress substitutes, resolved per request. */
  secretScope: SecretEgressParams | null;
  /** The bucket the SDK's backups are in (superseded snapshots are deleted from it). */
  backupBucket?: R2Bucket;
  /** R2 credentials are configured: the container moves snapshots to and from R2 itself (presigned URLs). */
  presignedBackups: boolean;
}

/** The egress policy of a session's container for its environment's networking. */
export function containerEgressPolicy(networking: NetworkPolicy, secrets: SecretEgressParams | null): ContainerEgressPolicy {
  const { enableInternet, allowedHosts } = containerEgress(networking);
  return { internet: enableInternet, allowedHosts: enableInternet ? null : allowedHosts, secrets };
}

/**
 * The Cloudflare Containers backend. Commands run in a named shell session of the container (its cwd and
 * variables persist between calls), files go through the container's file API, and backups are the sandbox SDK's
 * squashfs archives in R2.
 */
export class ContainerSandbox implements SandboxBackend {
  readonly workdir = WORKDIR;
  private egressApplied = false;
  private shellReady = false;

  constructor(
    private readonly client: ContainerClient,
    private readonly options: ContainerSandboxOptions,
  ) {}

  /** The agent's shell, created with the workdir and the placeholder env whenever it is not known to exist. */
  private async shell(): Promise<ContainerShell> {
    if (!this.shellReady) {
      try {
        await this.client.createSession({ id: SHELL_ID, cwd: WORKDIR, env: this.options.shellEnv });
      } catch (err) {
        // Created by this adapter before the sandbox Durable Object restarted: the same shell, still alive.
        if (!/already exists/i.test(errorText(err))) throw err;
      }
      this.shellReady = true;
    }
    return this.client.getSession(SHELL_ID);
  }

  async exec(command: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ExecResult> {
    options.signal?.throwIfAborted();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const shell = await this.shell();
    let result: ContainerExecResult;
    try {
      // Same framing as the SDK's bash tool: one group, stdin closed, stderr folded into stdout in write order.
      result = await shell.exec(`{\n${command}\n} </dev/null 2>&1`, { timeout: timeoutMs });
    } catch (err) {
      // The bash tool restarts the shell after either; the messages are the SDK's own.
      const text = errorText(err);
      if (/command timeout after/i.test(text)) throw new Error(`bash command timed out after ${timeoutMs}ms`);
      if (/shell exited|shell terminated|SESSION_TERMINATED/i.test(text)) throw new Error("bash session terminated");
      throw err;
    }
    let output = `${result.stdout}${result.stderr}`.replace(ANSI, "").replace(/\n+$/, "");
    const truncated = output.length > OUTPUT_LIMIT;
    if (truncated) output = output.slice(output.length - OUTPUT_LIMIT);
    return { output, exitCode: result.exitCode, truncated };
  }

  async restartShell(): Promise<void> {
    this.shellReady = false;
    await this.client.deleteSession(SHELL_ID).catch(() => {});
  }

  async readFile(path: string): Promise<Uint8Array> {
    const st = await this.stat(path);
    if (!st) throw new SandboxError("ENOENT", `no such file: ${path}`);
    if (st.type === "directory") throw new SandboxError("EISDIR", `is a directory: ${path}`);
    try {
      const file = await this.client.readFile(path, { encoding: "base64" });
      return file.encoding === "utf-8" ? new TextEncoder().encode(file.content) : base64ToBytes(file.content);
    } catch (err) {
      throw toSandboxError(err);
    }
  }

  async writeFile(path: string, content: string | Uint8Array): Promise<void> {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    try {
      await this.client.mkdir(path.slice(0, path.lastIndexOf("/")) || "/", { recursive: true });
      await this.client.writeFile(path, bytesToBase64(bytes), { encoding: "base64" });
    } catch (err) {
      throw toSandboxError(err);
    }
  }

  async makeDirectory(path: string): Promise<void> {
    try {
      await this.client.mkdir(path, { recursive: true });
    } catch (err) {
      throw toSandboxError(err);
    }
  }

  async removeFile(path: string): Promise<void> {
    await this.run(`rm -f -- ${shellQuote(path)}`);
  }

  /** The shell runs as root, which no permission stops: the memory sync reverts changes there instead. */
  setReadOnlyRoots(_roots: string[]) {}

  async stat(path: string): Promise<SandboxEntry | null> {
    // `stat -L` follows symlinks, as the tools expect; one round trip for type, size and mtime.
    const result = await this.client.exec(`stat -L -c '%F|%s|%Y' -- ${shellQuote(path)}`);
    if (result.exitCode !== 0) return null;
    const [kind, size, mtime] = result.stdout.trim().split("|");
    return {
      path,
      type: kind === "directory" ? "directory" : "file",
      size: Number(size),
      mtimeMs: Number(mtime) * 1000,
    };
  }

  /** Regular files and symlinks (listed, not followed: a link to a directory is not descended). */
  async listFiles(dir: string): Promise<SandboxEntry[]> {
    try {
      const { files } = await this.client.listFiles(dir, { recursive: true, includeHidden: true });
      return files
        .filter((f) => f.type === "file" || f.type === "symlink")
        .map((f) => ({ path: f.absolutePath, type: f.type as "file" | "symlink", size: f.size, mtimeMs: Date.parse(f.modifiedAt) }));
    } catch (err) {
      throw toSandboxError(err);
    }
  }

  async backup(): Promise<BackupHandle> {
    const backup = await this.client.createBackup({
      dir: WORKDIR,
      name: this.options.sessionId,
      ttl: BACKUP_TTL_S,
      ...(this.options.presignedBackups ? {} : { localBucket: true }),
    });
    return { backend: "container", id: backup.id, dir: backup.dir, localBucket: backup.localBucket, createdAt: new Date().toISOString() };
  }

  async restore(handle: BackupHandle): Promise<void> {
    if (handle.backend !== "container") throw new SandboxError("EIO", `cannot restore a ${handle.backend} backup into a container`);
    if (handle.localBucket) await this.restoreThroughWorker(handle.id, handle.dir);
    else await this.client.restoreBackup({ id: handle.id, dir: handle.dir });
  }

  /** A snapshot in the bound bucket (no R2 credentials): read in ranges, appended to the archive, extracted. */
  private async restoreThroughWorker(id: string, dir: string) {
    const bucket = this.options.backupBucket;
    if (!bucket) throw new SandboxError("EIO", "no BACKUP_BUCKET binding to restore the workspace snapshot from");
    const [key] = backupKeys(id);
    const head = await bucket.head(key);
    if (!head) throw new SandboxError("ENOENT", `workspace snapshot not found: ${id}`);
    const archive = shellQuote(`/var/backups/${id}.sqsh`);
    const part = shellQuote(`/var/backups/${id}.part`);
    await this.run(`mkdir -p /var/backups && : > ${archive}`);
    for (let offset = 0; offset < head.size; offset += RESTORE_PART_BYTES) {
      const object = await bucket.get(key, { range: { offset, length: Math.min(RESTORE_PART_BYTES, head.size - offset) } });
      if (!object) throw new SandboxError("ENOENT", `workspace snapshot vanished while restoring: ${id}`);
      await this.client.writeFile(`/var/backups/${id}.part`, bytesToBase64(new Uint8Array(await object.arrayBuffer())), { encoding: "base64" });
      await this.run(`cat ${part} >> ${archive}`);
    }
    await this.run(`mkdir -p ${shellQuote(dir)} && unsquashfs -f -d ${shellQuote(dir)} ${archive} > /dev/null && rm -f ${archive} ${part}`);
  }

  private async run(command: string) {
    const result = await this.client.exec(command);
    if (result.exitCode !== 0) throw new SandboxError("EIO", `${command}: ${`${result.stdout}${result.stderr}`.trim().slice(-2000)}`);
  }

  async discard(handle: BackupHandle): Promise<void> {
    if (handle.backend === "container") await this.options.backupBucket?.delete(backupKeys(handle.id));
  }

  async destroy(): Promise<void> {
    this.shellReady = false;
    await this.client.destroy();
  }

  async isProvisioned(): Promise<boolean> {
    await this.applyEgress();
    return (await this.client.exists(MARKER)).exists;
  }

  /** Before anything starts the container: `enableInternet` is fixed when it starts. */
  private async applyEgress() {
    if (this.egressApplied) return;
    await this.client.applyEgressPolicy(containerEgressPolicy(this.options.networking, this.options.secretScope));
    this.egressApplied = true;
  }

  /**
   * Network policy first, so the installs themselves go through it (under `limited` networking the API requires
   * `allow_package_managers` for packages, which puts the registries on the allow list), then the installs.
   * A fresh container has no agent shell: the next command creates it with its cwd and placeholder env.
   */
  async provision(environment: HandsEnvironment): Promise<void> {
    await this.applyEgress();
    this.shellReady = false;
    await this.client.mkdir(WORKDIR, { recursive: true });
    for (const command of packageInstallCommands(environment.packages)) {
      const result = await this.client.exec(command, { timeout: INSTALL_TIMEOUT_MS, cwd: WORKDIR });
      if (result.exitCode !== 0) {
        const output = `${result.stdout}${result.stderr}`.trim().slice(-4000);
        throw new Error(`package install failed (exit ${result.exitCode}): ${command}\n${output}`);
      }
    }
    const marker = await this.client.exec(`mkdir -p ${shellQuote(MARKER.slice(0, MARKER.lastIndexOf("/")))} && touch ${shellQuote(MARKER)}`);
    if (marker.exitCode !== 0) throw new Error(`could not mark the container provisioned: ${marker.stderr}`);
  }
}

const errorText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

function base64ToBytes(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(binary);
}
