import { Bash, InMemoryFs, defineCommand } from "just-bash/browser";
import { env } from "cloudflare:workers";
import type { ContainerClient } from "../../src/hands/containers/container-sandbox";
import type { ContainerEgressPolicy } from "../../src/hands/containers/sandbox-object";
import { SECRET_EGRESS_HANDLER, secretEgressHandler } from "../../src/hands/egress-container";

type OutboundHandler = (req: Request, env: Cloudflare.Env, ctx: { params?: unknown }) => Promise<Response>;

/** What the deployment's `Sandbox` class registers (containers/sandbox-object.ts). */
const REGISTERED_HANDLERS: Record<string, OutboundHandler> = { [SECRET_EGRESS_HANDLER]: secretEgressHandler };
const WORKDIR = "/workspace";

/**
 * An in-memory stand-in for the container stub, for fault injection only (real containers are tested in
 * test/e2e-containers). Where the adapter depends on it, it behaves as the real `@cloudflare/sandbox` 0.12 does:
 * `getSession` never throws and a command sent to an unknown session creates a bare one (cwd /workspace, no env);
 * `createSession` throws for an existing id; `exit N` at the top of a command kills the shell (the call fails with
 * the server's "shell exited" error); a command past its timeout fails with "Command timeout after Nms";
 * top-level exec runs in /workspace; listFiles reports symlinks as `symlink`; backups need `localBucket` (then
 * they go to the bucket, as an archive `unsquashfs` here extracts) or R2 credentials; outbound handlers must be registered by name; egress is gated the way `@cloudflare/containers`'
 * ContainerProxy gates it (allowed hosts, then the handler, "Origin is disallowed" with 520). Package managers are
 * recorded rather than run; a package named `does-not-exist` fails like a real install would.
 */
export class FakeContainerClient implements ContainerClient {
  fs = new InMemoryFs();
  /** Every command the adapter ran, in order (shell sessions and one-off execs alike). */
  readonly commands: string[] = [];
  /** Package manager invocations: [manager, ...args]. */
  readonly installs: string[][] = [];
  /** The egress policy the adapter applied (kept across `destroy`, as the Durable Object's storage keeps it). */
  policy: ContainerEgressPolicy | undefined;
  /** Whether R2 credentials are configured (presigned backups); off, as in local dev. */
  presignedBackups = false;
  destroyed = 0;
  private readonly sessions = new Map<string, { cwd: string; env: Record<string, string> }>();
  /** Presigned backups (R2 credentials set): kept here, as R2 would keep them. */
  private readonly backups = new Map<string, Map<string, Uint8Array>>();
  private readonly handlers: Record<string, OutboundHandler>;
  /** The BACKUP_BUCKET binding: `localBucket` backups go to `backups/<id>/data.sqsh` in it. */
  private readonly bucket?: R2Bucket;

  constructor(options: { handlers?: Record<string, OutboundHandler>; bucket?: R2Bucket } = {}) {
    this.handlers = options.handlers ?? REGISTERED_HANDLERS;
    this.bucket = options.bucket;
  }

  private bash() {
    const installer = (name: string) =>
      defineCommand(name, async (args) => {
        this.installs.push([name, ...args]);
        const failing = args.some((a) => a.includes("does-not-exist"));
        return failing
          ? { stdout: "", stderr: `E: Unable to locate package does-not-exist\n`, exitCode: 100 }
          : { stdout: `${name} ok\n`, stderr: "", exitCode: 0 };
      });
    // GNU stat's `-L -c FORMAT`, which just-bash's stat lacks and the adapter uses for metadata.
    const stat = defineCommand("stat", async (args, ctx) => {
      const format = args[args.indexOf("-c") + 1];
      const path = args[args.length - 1];
      try {
        const st = await ctx.fs.stat(ctx.fs.resolvePath(ctx.cwd, path));
        const line = format
          .replace("%F", st.isDirectory ? "directory" : "regular file")
          .replace("%s", String(st.size))
          .replace("%Y", String(Math.floor(st.mtime.getTime() / 1000)));
        return { stdout: `${line}\n`, stderr: "", exitCode: 0 };
      } catch {
        return { stdout: "", stderr: `stat: cannot statx '${path}': No such file or directory\n`, exitCode: 1 };
      }
    });
    // The image's squashfs extractor, for the fake's archive format (JSON of base64 files by path).
    const unsquashfs = defineCommand("unsquashfs", async (args, ctx) => {
      const dir = args[args.indexOf("-d") + 1];
      const archive = JSON.parse(await ctx.fs.readFile(args[args.length - 1])) as { dir: string; files: Record<string, string> };
      for (const [p, b64] of Object.entries(archive.files)) {
        const target = `${dir}${p.slice(archive.dir.length)}`;
        await ctx.fs.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
        await ctx.fs.writeFile(target, Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
      }
      return { stdout: "", stderr: "", exitCode: 0 };
    });
    return new Bash({
      fs: this.fs,
      cwd: WORKDIR,
      customCommands: [stat, unsquashfs, ...["apt-get", "python3", "npm", "cargo", "gem", "go"].map(installer)],
      fetch: async (url, options = {}) => {
        const response = await this.egress(new Request(url, { method: options.method ?? "GET", headers: options.headers, body: options.body }));
        return {
          status: response.status,
          statusText: response.statusText,
          headers: Object.fromEntries(response.headers),
          body: new Uint8Array(await response.arrayBuffer()),
          url,
        };
      },
    });
  }

  /** ContainerProxy's order: the allow list gates everything, then the catch-all handler, else the internet. */
  private async egress(req: Request): Promise<Response> {
    const host = new URL(req.url).hostname;
    const allowed = this.policy?.allowedHosts;
    if (allowed && !allowed.some((p) => globMatch(p, host))) return new Response("Origin is disallowed", { status: 520 });
    if (this.policy?.secrets) return this.handlers[SECRET_EGRESS_HANDLER](req, env, { params: this.policy.secrets });
    return new Response(`hello from ${host}`);
  }

  async exec(command: string, options: { cwd?: string; timeout?: number } = {}) {
    this.commands.push(command);
    const result = await this.bash().exec(command, { cwd: options.cwd ?? WORKDIR });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  async createSession(options: { id: string; cwd?: string; env?: Record<string, string> }) {
    if (this.sessions.has(options.id)) throw new Error(`SessionAlreadyExistsError: Session '${options.id}' already exists`);
    this.sessions.set(options.id, { cwd: options.cwd ?? WORKDIR, env: { ...options.env } });
    return this.getSession(options.id);
  }

  async getSession(id: string) {
    return {
      exec: async (command: string, options: { timeout?: number } = {}) => {
        this.commands.push(command);
        if (!this.sessions.has(id)) this.sessions.set(id, { cwd: WORKDIR, env: {} });
        const state = this.sessions.get(id)!;
        const signal = options.timeout ? AbortSignal.timeout(options.timeout) : undefined;
        const result = await this.bash().exec(command, { cwd: state.cwd, env: state.env, signal });
        if (signal?.aborted) throw new Error(`Failed to execute command in session '${id}': Command timeout after ${options.timeout}ms`);
        if (exitsShell(command)) {
          this.sessions.delete(id);
          throw new Error(`SessionTerminatedError: Session '${id}' shell exited (exit code: ${result.exitCode})`);
        }
        // A session is one long-lived shell: its cwd and variables carry over.
        if (result.env) {
          const { PWD, ...env } = result.env;
          this.sessions.set(id, { cwd: PWD ?? state.cwd, env });
        }
        return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
      },
    };
  }

  /** The session a command in `id` would run in (cwd and variables), or undefined when there is none. */
  session(id: string) {
    return this.sessions.get(id);
  }

  async applyEgressPolicy(policy: ContainerEgressPolicy) {
    if (policy.secrets && !(SECRET_EGRESS_HANDLER in this.handlers)) {
      throw new Error(`Outbound handler method '${SECRET_EGRESS_HANDLER}' not found in outboundHandlers for Sandbox`);
    }
    this.commands.push("# applyEgressPolicy");
    this.policy = structuredClone(policy);
  }

  async deleteSession(id: string) {
    if (!this.sessions.delete(id)) throw new Error(`Session '${id}' not found`);
  }

  async readFile(path: string, _options: { encoding: "base64" }) {
    const bytes = await this.fs.readFileBuffer(path).catch(() => {
      throw new Error(`File not found: ${path}`);
    });
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    return { content: btoa(binary), encoding: "base64" };
  }

  async writeFile(path: string, content: string, _options: { encoding: "base64" }) {
    await this.fs.writeFile(path, Uint8Array.from(atob(content), (c) => c.charCodeAt(0)));
    return { success: true };
  }

  async mkdir(path: string, options: { recursive: boolean }) {
    await this.fs.mkdir(path, options);
    return { success: true };
  }

  /** `find`'s view: symlinks are listed as such and not followed. */
  async listFiles(path: string, _options: { recursive: boolean; includeHidden: boolean }) {
    const root = path.replace(/\/+$/, "") || "/";
    if (!(await this.fs.exists(root))) throw new Error(`Directory not found: ${path}`);
    const files = [];
    for (const p of this.fs.getAllPaths()) {
      if (p === root || !p.startsWith(`${root}/`)) continue;
      const st = await this.fs.lstat(p);
      files.push({
        absolutePath: p,
        type: st.isSymbolicLink ? "symlink" : st.isDirectory ? "directory" : "file",
        size: st.size,
        modifiedAt: st.mtime.toISOString(),
      });
    }
    return { files };
  }

  async exists(path: string) {
    return { exists: await this.fs.exists(path) };
  }

  async createBackup(options: { dir: string; name?: string; ttl?: number; localBucket?: boolean }) {
    if (options.localBucket && !this.bucket) throw new Error("InvalidBackupConfigError: BACKUP_BUCKET R2 binding not found in env");
    if (!options.localBucket && !this.presignedBackups) {
      throw new Error("InvalidBackupConfigError: Presigned URL backups require R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, CLOUDFLARE_ACCOUNT_ID, BACKUP_BUCKET_NAME");
    }
    const copy = new Map<string, Uint8Array>();
    for (const p of this.fs.getAllPaths()) {
      if (p.startsWith(`${options.dir}/`) && (await this.fs.stat(p)).isFile) copy.set(p, await this.fs.readFileBuffer(p));
    }
    const id = crypto.randomUUID();
    if (!options.localBucket) {
      this.backups.set(id, copy);
      return { id, dir: options.dir };
    }
    const files = Object.fromEntries([...copy].map(([p, bytes]) => [p, btoa(String.fromCharCode(...bytes))]));
    await this.bucket!.put(`backups/${id}/data.sqsh`, JSON.stringify({ dir: options.dir, files }));
    await this.bucket!.put(`backups/${id}/meta.json`, JSON.stringify({ id, dir: options.dir }));
    return { id, dir: options.dir, localBucket: true };
  }

  async restoreBackup(backup: { id: string; dir: string }) {
    const copy = this.backups.get(backup.id);
    if (!copy) throw new Error(`Backup not found: ${backup.id}`);
    await this.fs.rm(backup.dir, { recursive: true, force: true });
    await this.fs.mkdir(backup.dir, { recursive: true });
    for (const [p, bytes] of copy) await this.fs.writeFile(p, bytes);
    return { success: true, dir: backup.dir, id: backup.id };
  }

  /** The container stops and its disk is gone; backups (in R2) and the egress policy (DO storage) survive. */
  async destroy() {
    this.destroyed++;
    this.fs = new InMemoryFs();
    this.sessions.clear();
  }
}

/** The server's view of `exit N` (session-manager's exit-command parse): a top-level `exit` ends the shell. */
function exitsShell(command: string): boolean {
  const inner = command.replace(/^\{\n/, "").replace(/\n\}[^\n]*$/, "");
  return /(^|[;&\n]\s*)exit(\s+-?\d+)?\s*(;|$|\n)/.test(inner);
}

/** `@cloudflare/containers`' host pattern match: `*` stands for any run of characters. */
function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(value);
}
