import type { HandsEnvironment } from "../environment";
import { containerEgress } from "../network-policy";
import { OUTPUT_LIMIT, SandboxError, toSandboxError } from "../sandbox";
import type { BackupHandle, ExecResult, SandboxBackend, SandboxEntry } from "../sandbox";
import { packageInstallCommands, shellQuote } from "./provision";

const WORKDIR = "/workspace";
const MARKER = "/var/lib/managed-agents/provisioned";
const DEFAULT_TIMEOUT_MS = 120_000;
const INSTALL_TIMEOUT_MS = 15 * 60_000;
/** Snapshots outlive idle gaps of a long-running session; R2 garbage-collects them after this. */
const BACKUP_TTL_S = 30 * 24 * 60 * 60;
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
 * The part of `@cloudflare/sandbox`'s `Sandbox` stub (what `getSandbox()` returns) this adapter uses. Kept
 * narrow and structural so tests can stand in a faithful in-memory fake: this machine has no Docker.
 */
export interface ContainerClient {
  exec(command: string, options?: { timeout?: number; cwd?: string }): Promise<ContainerExecResult>;
  createSession(options: { id: string; cwd?: string }): Promise<ContainerShell>;
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
  createBackup(options: { dir: string; name?: string; ttl?: number }): Promise<{ id: string; dir: string; localBucket?: boolean }>;
  restoreBackup(backup: { id: string; dir: string; localBucket?: boolean }): Promise<unknown>;
  /** From `@cloudflare/containers`: egress is gated to these hosts at the container's outbound proxy. */
  setAllowedHosts(hosts: string[]): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * The Cloudflare Containers backend. Commands run in a named shell session of the container (its cwd and
 * variables persist between calls; restarting the shell starts a new session), files go through the
 * container's file API, and backups are squashfs archives the sandbox SDK keeps in R2.
 */
export class ContainerSandbox implements SandboxBackend {
  readonly workdir = WORKDIR;
  private shellGeneration = 0;

  constructor(
    private readonly client: ContainerClient,
    private readonly sessionId: string,
  ) {}

  private get shellId() {
    return `agent-shell-${this.shellGeneration}`;
  }

  private async shell(): Promise<ContainerShell> {
    try {
      return await this.client.getSession(this.shellId);
    } catch {
      return this.client.createSession({ id: this.shellId, cwd: WORKDIR });
    }
  }

  async exec(command: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ExecResult> {
    options.signal?.throwIfAborted();
    const shell = await this.shell();
    const result = await shell.exec(`{\n${command}\n} 2>&1`, { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
    let output = `${result.stdout}${result.stderr}`.replace(ANSI, "").replace(/\n+$/, "");
    const truncated = output.length > OUTPUT_LIMIT;
    if (truncated) output = output.slice(output.length - OUTPUT_LIMIT);
    return { output, exitCode: result.exitCode, truncated };
  }

  async restartShell(): Promise<void> {
    await this.client.deleteSession(this.shellId).catch(() => {});
    this.shellGeneration++;
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

  async listFiles(dir: string): Promise<SandboxEntry[]> {
    try {
      const { files } = await this.client.listFiles(dir, { recursive: true, includeHidden: true });
      return files
        .filter((f) => f.type === "file")
        .map((f) => ({ path: f.absolutePath, type: "file" as const, size: f.size, mtimeMs: Date.parse(f.modifiedAt) }));
    } catch (err) {
      throw toSandboxError(err);
    }
  }

  async backup(): Promise<BackupHandle> {
    const backup = await this.client.createBackup({ dir: WORKDIR, name: this.sessionId, ttl: BACKUP_TTL_S });
    return { backend: "container", id: backup.id, dir: backup.dir, localBucket: backup.localBucket, createdAt: new Date().toISOString() };
  }

  async restore(handle: BackupHandle): Promise<void> {
    if (handle.backend !== "container") throw new SandboxError("EIO", `cannot restore a ${handle.backend} backup into a container`);
    await this.client.restoreBackup({ id: handle.id, dir: handle.dir, localBucket: handle.localBucket });
  }

  async destroy(): Promise<void> {
    await this.client.destroy();
  }

  async isProvisioned(): Promise<boolean> {
    return (await this.client.exists(MARKER)).exists;
  }

  /**
   * Network policy first, so the installs themselves go through it (under `limited` networking the API requires
   * `allow_package_managers` for packages, which puts the registries on the allow list), then the installs.
   */
  async provision(environment: HandsEnvironment): Promise<void> {
    const egress = containerEgress(environment.networking);
    if (!egress.enableInternet) await this.client.setAllowedHosts(egress.allowedHosts);
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

function base64ToBytes(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(binary);
}
