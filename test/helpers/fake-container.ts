import { Bash, InMemoryFs, defineCommand } from "just-bash/browser";
import type { ContainerClient } from "../../src/hands/containers/container-sandbox";

/**
 * An in-memory stand-in for `@cloudflare/sandbox`'s container client, faithful where the adapter depends on it:
 * a real bash (just-bash) with named persistent shell sessions, the file API over the same filesystem, backups
 * as copies of a directory, and egress gated the way `@cloudflare/containers`' outbound proxy gates it
 * (`allowedHosts`, glob patterns, "Origin is disallowed" with status 520). Package managers are recorded rather
 * than run; a package named `does-not-exist` fails like a real install would.
 */
export class FakeContainerClient implements ContainerClient {
  fs = new InMemoryFs();
  /** Every command the adapter ran, in order (shell sessions and one-off execs alike). */
  readonly commands: string[] = [];
  /** Package manager invocations: [manager, ...args]. */
  readonly installs: string[][] = [];
  allowedHosts: string[] | undefined;
  destroyed = 0;
  private readonly sessions = new Map<string, { cwd: string; env: Record<string, string> }>();
  private readonly backups = new Map<string, Map<string, Uint8Array>>();

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
    return new Bash({
      fs: this.fs,
      cwd: "/",
      customCommands: [stat, ...["apt-get", "python3", "npm", "cargo", "gem", "go"].map(installer)],
      fetch: async (url) => {
        const host = new URL(url).hostname;
        const allowed = !this.allowedHosts || this.allowedHosts.some((p) => globMatch(p, host));
        const body = new TextEncoder().encode(allowed ? `hello from ${host}` : "Origin is disallowed");
        return { status: allowed ? 200 : 520, statusText: allowed ? "OK" : "Origin is disallowed", headers: {}, body, url };
      },
    });
  }

  async exec(command: string, options: { cwd?: string } = {}) {
    this.commands.push(command);
    const result = await this.bash().exec(command, { cwd: options.cwd ?? "/" });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  async createSession(options: { id: string; cwd?: string }) {
    this.sessions.set(options.id, { cwd: options.cwd ?? "/", env: {} });
    return this.getSession(options.id);
  }

  async getSession(id: string) {
    if (!this.sessions.has(id)) throw new Error(`session not found: ${id}`);
    return {
      exec: async (command: string) => {
        this.commands.push(command);
        const state = this.sessions.get(id)!;
        const result = await this.bash().exec(command, { cwd: state.cwd, env: state.env });
        // A session is one long-lived shell: its cwd and variables carry over.
        if (result.env) {
          const { PWD, ...env } = result.env;
          this.sessions.set(id, { cwd: PWD ?? state.cwd, env });
        }
        return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
      },
    };
  }

  async deleteSession(id: string) {
    this.sessions.delete(id);
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

  async listFiles(path: string, _options: { recursive: boolean; includeHidden: boolean }) {
    const root = path.replace(/\/+$/, "") || "/";
    if (!(await this.fs.exists(root))) throw new Error(`Directory not found: ${path}`);
    const files = [];
    for (const p of this.fs.getAllPaths()) {
      if (p === root || !p.startsWith(`${root}/`)) continue;
      const st = await this.fs.stat(p);
      files.push({
        absolutePath: p,
        type: st.isDirectory ? "directory" : "file",
        size: st.size,
        modifiedAt: st.mtime.toISOString(),
      });
    }
    return { files };
  }

  async exists(path: string) {
    return { exists: await this.fs.exists(path) };
  }

  async createBackup(options: { dir: string; name?: string; ttl?: number }) {
    const copy = new Map<string, Uint8Array>();
    for (const p of this.fs.getAllPaths()) {
      if (p.startsWith(`${options.dir}/`) && (await this.fs.stat(p)).isFile) copy.set(p, await this.fs.readFileBuffer(p));
    }
    const id = crypto.randomUUID();
    this.backups.set(id, copy);
    return { id, dir: options.dir };
  }

  async restoreBackup(backup: { id: string; dir: string }) {
    const copy = this.backups.get(backup.id);
    if (!copy) throw new Error(`Backup not found: ${backup.id}`);
    await this.fs.rm(backup.dir, { recursive: true, force: true });
    await this.fs.mkdir(backup.dir, { recursive: true });
    for (const [p, bytes] of copy) await this.fs.writeFile(p, bytes);
    return { success: true, dir: backup.dir, id: backup.id };
  }

  async setAllowedHosts(hosts: string[]) {
    this.commands.push("# setAllowedHosts");
    this.allowedHosts = [...hosts];
  }

  /** The container stops and its disk is gone; backups (in R2) survive. */
  async destroy() {
    this.destroyed++;
    this.fs = new InMemoryFs();
    this.sessions.clear();
  }
}

/** `@cloudflare/containers`' host pattern match: `*` stands for any run of characters. */
function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(value);
}
