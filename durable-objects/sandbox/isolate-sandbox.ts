import { Bash, type IFileSystem } from "just-bash/browser";
import type { HandsEnvironment, NetworkPolicy } from "../../src/hands/environment";
import { placeholderEnv, type EgressSecret } from "../../src/hands/egress-secrets";
import type { OutboundPolicy } from "../../src/lib/outbound-guard";
import { policyFetch } from "./policy-fetch";
import { OUTPUT_LIMIT, toSandboxError, SandboxError } from "../../src/hands/sandbox";
import type { BackupHandle, ExecResult, SandboxBackend, SandboxEntry } from "../../src/hands/sandbox";
import { SqliteFs, normalize, type FsQuota } from "./sqlite-fs";
import { putSnapshot, readSnapshot } from "./snapshot";
import { SANDBOX_EXECUTION_LIMITS } from "./execution-limits";
import { withReadOnlyRoots } from "./fs/read-only-roots";

const WORKDIR = "/workspace";
const DEFAULT_TIMEOUT_MS = 120_000;
/** Shell variables that describe one execution rather than state a persistent shell would carry over. */
const VOLATILE_VARS = new Set(["?", "OPTIND", "SHELLOPTS", "BASHOPTS", "_", "PPID", "BASHPID", "RANDOM", "SECONDS", "LINENO"]);
/** Shell variables longer than this are not carried to the next call (the shell state is one SQLite row). */
const MAX_KEPT_VARIABLE = 64 * 1024;
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

/**
 * The in-isolate backend: just-bash (a bash interpreter in TypeScript) over SqliteFs, so the whole filesystem
 * lives in the session's Durable Object storage. just-bash starts every `exec` with fresh shell state, so the
 * cwd and variables a command leaves behind are stored and handed to the next one (functions and aliases do
 * not carry over). Network access goes through the environment's egress policy.
 */
export class IsolateSandbox implements SandboxBackend {
  readonly workdir = WORKDIR;
  private readonly fs: SqliteFs;
  /** `fs` as the tools see it: read-only roots refuse changes (the memory sync lifts them while it works). */
  private readonly toolFs: IFileSystem;
  private readonly bash: Bash;
  private readOnlyRoots: string[] = [];

  constructor(
    private readonly sql: SqlStorage,
    private readonly blobs: R2Bucket,
    /** R2 key prefix of this session's snapshots, e.g. `sandboxes/<workspace>/<session>/` */
    private readonly snapshotPrefix: string,
    network: NetworkPolicy,
    /** environment_variable credentials: the shell sees placeholders, curl's egress substitutes the values. */
    private readonly secrets: EgressSecret[],
    /** What the filesystem may hold (the workspace's `max_sandbox_bytes`). */
    quota: FsQuota,
    /** What no tenant may reach (outbound-guard.ts); the deployment's loopback exemption comes with it. */
    outbound: OutboundPolicy = { allowLoopback: false, ownHosts: [] },
  ) {
    this.fs = new SqliteFs(sql, quota);
    this.toolFs = withReadOnlyRoots(this.fs, () => this.readOnlyRoots);
    sql.exec(`
      CREATE TABLE IF NOT EXISTS shell_state (id INTEGER PRIMARY KEY CHECK (id = 1), cwd TEXT NOT NULL, env TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS isolate_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    this.bash = new Bash({
      fs: this.toolFs,
      cwd: WORKDIR,
      env: { HOME: WORKDIR, USER: "user", TMPDIR: "/tmp" },
      fetch: policyFetch(network, secrets, outbound),
      executionLimits: { ...SANDBOX_EXECUTION_LIMITS, maxExecutionTimeMs: DEFAULT_TIMEOUT_MS * 5 },
    });
  }

  async isProvisioned(): Promise<boolean> {
    return this.sql.exec("SELECT 1 FROM isolate_meta WHERE key = 'provisioned'").toArray().length > 0;
  }

  /**
   * Creates the standard directories. There is no package manager in the isolate: an environment's `packages`
   * need the container backend, so they are listed in /tmp/PACKAGES-NOT-INSTALLED.txt rather than silently ignored.
   */
  async provision(environment: HandsEnvironment): Promise<void> {
    for (const dir of [WORKDIR, "/tmp", "/home/user"]) await this.fs.mkdir(dir, { recursive: true });
    const wanted = Object.entries(environment.packages).flatMap(([manager, names]) =>
      Array.isArray(names) && names.length ? [`${manager}: ${names.join(" ")}`] : [],
    );
    if (wanted.length) {
      await this.fs.writeFile(
        "/tmp/PACKAGES-NOT-INSTALLED.txt",
        `This sandbox runs in a Worker isolate without a package manager; these packages need the container backend:\n${wanted.join("\n")}\n`,
      );
    }
    this.sql.exec("INSERT OR REPLACE INTO isolate_meta (key, value) VALUES ('provisioned', ?)", new Date().toISOString());
  }

  async exec(command: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const shell = this.shellState();
    // Same framing as the SDK's bash tool: one group, stderr folded into stdout in the order written.
    const env = { ...shell.env, ...placeholderEnv(this.secrets) };
    const result = await this.bash.exec(`{\n${command}\n} 2>&1`, { cwd: shell.cwd, env, replaceEnv: true, signal, rawScript: true });
    if (timeout.aborted && !options.signal?.aborted) throw new BashTimeoutError(timeoutMs);
    if (options.signal?.aborted) throw new Error("aborted");
    this.saveShellState(result.env);
    let output = `${result.stdout}${result.stderr}`.replace(ANSI, "").replace(/\n+$/, "");
    const truncated = output.length > OUTPUT_LIMIT;
    if (truncated) output = output.slice(output.length - OUTPUT_LIMIT);
    return { output, exitCode: result.exitCode, truncated };
  }

  async restartShell() {
    this.sql.exec("DELETE FROM shell_state WHERE id = 1");
  }

  async readFile(path: string): Promise<Uint8Array> {
    try {
      return await this.fs.readFileBuffer(path);
    } catch (err) {
      throw toSandboxError(err);
    }
  }

  async writeFile(path: string, content: string | Uint8Array): Promise<void> {
    try {
      await this.toolFs.mkdir(parentOf(path), { recursive: true });
      await this.toolFs.writeFile(path, content);
    } catch (err) {
      throw toSandboxError(err);
    }
  }

  async makeDirectory(path: string): Promise<void> {
    try {
      await this.toolFs.mkdir(path, { recursive: true });
    } catch (err) {
      throw toSandboxError(err);
    }
  }

  async removeFile(path: string): Promise<void> {
    await this.toolFs.rm(path, { force: true });
  }

  setReadOnlyRoots(roots: string[]) {
    this.readOnlyRoots = roots.map(normalize);
  }

  async stat(path: string): Promise<SandboxEntry | null> {
    try {
      const st = await this.fs.stat(path);
      return { path: normalize(path), type: st.isDirectory ? "directory" : "file", size: st.size, mtimeMs: st.mtime.getTime() };
    } catch (err) {
      const e = toSandboxError(err);
      if (e.code === "ENOENT" || e.code === "ENOTDIR") return null;
      throw e;
    }
  }

  async listFiles(dir: string): Promise<SandboxEntry[]> {
    const root = await this.fs.realpath(dir).catch((err) => {
      throw toSandboxError(err);
    });
    return this.fs
      .tree(root)
      .filter((e) => e.type === "file")
      .map((e) => ({ path: e.path, type: "file" as const, size: e.size, mtimeMs: e.mtime }));
  }

  async backup(): Promise<BackupHandle> {
    const tree = this.fs.tree(WORKDIR);
    const entries = tree.map(({ ino: _ino, path, ...e }) => ({ ...e, path: path.slice(WORKDIR.length) || "/" }));
    const createdAt = new Date().toISOString();
    const key = `${this.snapshotPrefix}${createdAt}.snapshot.gz`;
    await putSnapshot(this.blobs, key, entries, (i) => this.fs.chunks(tree[i].ino));
    return { backend: "isolate", key, createdAt };
  }

  async restore(handle: BackupHandle): Promise<void> {
    if (handle.backend !== "isolate") throw new SandboxError("EIO", `cannot restore a ${handle.backend} backup into the isolate sandbox`);
    const object = await this.blobs.get(handle.key);
    if (!object) throw new SandboxError("ENOENT", `snapshot not found: ${handle.key}`);
    this.fs.clear(WORKDIR);
    await this.fs.mkdir(WORKDIR, { recursive: true });
    await readSnapshot(object.body, (entry, data) =>
      this.fs.restoreEntry({ ...entry, path: entry.path === "/" ? WORKDIR : `${WORKDIR}${entry.path}` }, data),
    );
  }

  async discard(handle: BackupHandle): Promise<void> {
    if (handle.backend === "isolate") await this.blobs.delete(handle.key);
  }

  /** Drops every file and the shell; the next tool use provisions afresh (and restores the latest snapshot). */
  async destroy(): Promise<void> {
    this.fs.clear("/");
    this.sql.exec("DELETE FROM shell_state");
    this.sql.exec("DELETE FROM isolate_meta");
  }

  private shellState(): { cwd: string; env: Record<string, string> } {
    const row = this.sql.exec<{ cwd: string; env: string }>("SELECT cwd, env FROM shell_state WHERE id = 1").toArray()[0];
    if (!row) return { cwd: WORKDIR, env: { HOME: WORKDIR, USER: "user", TMPDIR: "/tmp", PATH: "/usr/bin:/bin" } };
    return { cwd: row.cwd, env: JSON.parse(row.env) };
  }

  private saveShellState(env: Record<string, string> | undefined) {
    if (!env) return;
    // A variable too big for a SQLite row (2 MB) would fail the whole call: it lives for this call only.
    const kept = Object.fromEntries(Object.entries(env).filter(([k, v]) => !VOLATILE_VARS.has(k) && v.length <= MAX_KEPT_VARIABLE));
    this.sql.exec(
      "INSERT INTO shell_state (id, cwd, env) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET cwd = excluded.cwd, env = excluded.env",
      env.PWD || WORKDIR,
      JSON.stringify(kept),
    );
  }
}

export class BashTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`bash command timed out after ${timeoutMs}ms`);
  }
}

const parentOf = (p: string) => {
  const n = normalize(p);
  return n.slice(0, n.lastIndexOf("/")) || "/";
};
