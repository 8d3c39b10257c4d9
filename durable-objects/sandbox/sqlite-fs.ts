import { normalizePath as normalize } from "../../src/hands/toolset/paths";
import type {
  BufferEncoding,
  CpOptions,
  FileContent,
  FsStat,
  IFileSystem,
  MkdirOptions,
  RmOptions,
} from "just-bash/browser";

type DirentEntry = { name: string; isFile: boolean; isDirectory: boolean; isSymbolicLink: boolean };
type ReadFileOptions = { encoding?: BufferEncoding | null };
type NodeType = "file" | "directory" | "symlink";

interface NodeRow extends Record<string, string | number | null> {
  path: string;
  parent: string | null;
  type: NodeType;
  ino: number | null;
  target: string | null;
  mode: number;
  mtime: number;
  size: number;
}

/** DO SQLite caps a value at 2 MB, so file bytes are stored in chunks well under it. */
const CHUNK_BYTES = 1024 * 1024;
const MAX_SYMLINK_HOPS = 40;
const DIR_MODE = 0o755;
const FILE_MODE = 0o644;

const utf8 = new TextEncoder();

/** Errors shaped like Node's (`ENOENT: no such file or directory, open '/x'`), which just-bash's commands match on. */
export class FsError extends Error {
  constructor(
    readonly code: string,
    text: string,
    op: string,
    path: string,
  ) {
    super(`${code}: ${text}, ${op} '${path}'`);
  }
}
const enoent = (op: string, p: string) => new FsError("ENOENT", "no such file or directory", op, p);

export { normalize };
export const dirname = (p: string) => {
  const n = normalize(p);
  return n === "/" ? "/" : n.slice(0, n.lastIndexOf("/")) || "/";
};
const join = (dir: string, name: string) => (dir === "/" ? `/${name}` : `${dir}/${name}`);
const isWithin = (parent: string, child: string) => child === parent || child.startsWith(parent === "/" ? "/" : `${parent}/`);

function checkPath(p: string, op: string) {
  if (p.includes("\0")) throw new FsError("ENOENT", "path contains null byte", op, p);
}

function encode(content: FileContent, encoding?: BufferEncoding): Uint8Array {
  if (content instanceof Uint8Array) return content;
  switch (encoding) {
    case "base64":
      return Uint8Array.from(atob(content), (c) => c.charCodeAt(0));
    case "hex":
      return Uint8Array.from(content.match(/../g) ?? [], (h) => parseInt(h, 16));
    case "binary":
    case "latin1":
    case "ascii":
      return Uint8Array.from(content, (c) => c.charCodeAt(0) & 0xff);
    default:
      return utf8.encode(content);
  }
}

function decode(bytes: Uint8Array, encoding?: BufferEncoding | null): string {
  switch (encoding) {
    case "base64": {
      let s = "";
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s);
    }
    case "hex":
      return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    case "binary":
    case "latin1":
    case "ascii": {
      let s = "";
      for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
      return s;
    }
    default:
      return new TextDecoder().decode(bytes);
  }
}

const encodingOf = (options?: ReadFileOptions | BufferEncoding | { encoding?: BufferEncoding }) =>
  (typeof options === "string" ? options : (options?.encoding ?? undefined)) as BufferEncoding | undefined;

/**
 * just-bash's filesystem interface over a Durable Object's SQLite: the sandbox's files survive isolate
 * restarts and evictions because they never live only in memory. Semantics follow just-bash's InMemoryFs
 * (same error texts, symlink resolution, copy/move behaviour); hard links are copies, as they effectively
 * are there too (a write replaces the shared buffer).
 */
export class SqliteFs implements IFileSystem {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS fs_nodes (
        path TEXT PRIMARY KEY,
        parent TEXT,
        type TEXT NOT NULL,
        ino INTEGER,
        target TEXT,
        mode INTEGER NOT NULL,
        mtime INTEGER NOT NULL,
        size INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS fs_nodes_parent ON fs_nodes (parent);
      CREATE TABLE IF NOT EXISTS fs_chunks (ino INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (ino, idx));
      CREATE TABLE IF NOT EXISTS fs_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    sql.exec("INSERT OR IGNORE INTO fs_nodes (path, parent, type, mode, mtime) VALUES ('/', NULL, 'directory', ?, ?)", DIR_MODE, Date.now());
  }

  // ---- row access ----

  private node(path: string): NodeRow | undefined {
    return this.sql.exec<NodeRow>("SELECT * FROM fs_nodes WHERE path = ?", path).toArray()[0];
  }

  private put(path: string, fields: { type: NodeType; ino?: number | null; target?: string | null; mode: number; mtime?: number; size?: number }) {
    const old = this.node(path);
    this.sql.exec(
      `INSERT INTO fs_nodes (path, parent, type, ino, target, mode, mtime, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET type = excluded.type, ino = excluded.ino, target = excluded.target, mode = excluded.mode,
         mtime = excluded.mtime, size = excluded.size`,
      path,
      path === "/" ? null : dirname(path),
      fields.type,
      fields.ino ?? null,
      fields.target ?? null,
      fields.mode,
      fields.mtime ?? Date.now(),
      fields.size ?? 0,
    );
    if (old?.ino != null && old.ino !== fields.ino) this.dropData(old.ino);
  }

  private remove(path: string) {
    const old = this.node(path);
    this.sql.exec("DELETE FROM fs_nodes WHERE path = ?", path);
    if (old?.ino != null) this.dropData(old.ino);
  }

  private dropData(ino: number) {
    this.sql.exec("DELETE FROM fs_chunks WHERE ino = ?", ino);
  }

  private writeData(bytes: Uint8Array): number {
    const next = this.sql.exec<{ value: number }>("SELECT value FROM fs_meta WHERE key = 'next_ino'").toArray()[0]?.value ?? 1;
    this.sql.exec("INSERT INTO fs_meta (key, value) VALUES ('next_ino', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", next + 1);
    for (let idx = 0, off = 0; off < bytes.length || idx === 0; idx++, off += CHUNK_BYTES) {
      this.sql.exec("INSERT INTO fs_chunks (ino, idx, data) VALUES (?, ?, ?)", next, idx, bytes.slice(off, off + CHUNK_BYTES));
    }
    return next;
  }

  private readData(ino: number | null): Uint8Array {
    if (ino == null) return new Uint8Array();
    const chunks = this.sql
      .exec<{ data: ArrayBuffer }>("SELECT data FROM fs_chunks WHERE ino = ? ORDER BY idx", ino)
      .toArray()
      .map((r) => new Uint8Array(r.data));
    if (chunks.length === 1) return chunks[0];
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  private storeFile(path: string, bytes: Uint8Array, mode?: number) {
    const old = this.node(path);
    this.put(path, { type: "file", ino: this.writeData(bytes), mode: mode ?? old?.mode ?? FILE_MODE, size: bytes.length });
  }

  // ---- path resolution ----

  private ensureParentDirs(path: string) {
    const parent = dirname(path);
    if (parent === "/" || this.node(parent)) return;
    this.ensureParentDirs(parent);
    this.put(parent, { type: "directory", mode: DIR_MODE });
  }

  /** Follows every symlink along `p`, including the last component. */
  private resolve(p: string, op: string): string {
    const parts = normalize(p).slice(1).split("/").filter(Boolean);
    let current = "";
    for (const part of parts) current = this.follow(`${current}/${part}`, p, op);
    return current || "/";
  }

  /** Follows symlinks in every component but the last (lstat, readlink, rm). */
  private resolveParent(p: string, op: string): string {
    const n = normalize(p);
    if (n === "/") return "/";
    const parent = dirname(n);
    const real = parent === "/" ? "/" : this.resolve(parent, op);
    return join(real, n.slice(n.lastIndexOf("/") + 1));
  }

  private follow(path: string, original: string, op: string): string {
    let current = path;
    for (let hops = 0; ; hops++) {
      const node = this.node(current);
      if (!node || node.type !== "symlink") return current;
      if (hops >= MAX_SYMLINK_HOPS) throw new FsError("ELOOP", "too many levels of symbolic links", op, original);
      current = node.target!.startsWith("/") ? normalize(node.target!) : normalize(join(dirname(current), node.target!));
    }
  }

  // ---- IFileSystem ----

  async readFile(path: string, options?: ReadFileOptions | BufferEncoding): Promise<string> {
    return decode(await this.readFileBuffer(path), encodingOf(options));
  }

  async readFileBytes(path: string) {
    return decode(await this.readFileBuffer(path), "binary") as unknown as never;
  }

  async readFileBuffer(path: string): Promise<Uint8Array> {
    checkPath(path, "open");
    const node = this.node(this.resolve(path, "open"));
    if (!node) throw enoent("open", path);
    if (node.type !== "file") throw new FsError("EISDIR", "illegal operation on a directory", "read", path);
    return this.readData(node.ino);
  }

  async writeFile(path: string, content: FileContent, options?: { encoding?: BufferEncoding } | BufferEncoding): Promise<void> {
    checkPath(path, "write");
    const target = this.resolve(path, "write");
    const existing = this.node(target);
    if (existing?.type === "directory") throw new FsError("EISDIR", "illegal operation on a directory", "write", path);
    this.ensureParentDirs(target);
    this.storeFile(target, encode(content, encodingOf(options)));
  }

  async appendFile(path: string, content: FileContent, options?: { encoding?: BufferEncoding } | BufferEncoding): Promise<void> {
    checkPath(path, "append");
    const target = this.resolve(path, "append");
    const existing = this.node(target);
    if (existing?.type === "directory") throw new FsError("EISDIR", "illegal operation on a directory", "write", path);
    const added = encode(content, encodingOf(options));
    if (existing?.type !== "file") return this.writeFile(path, content, options);
    const old = this.readData(existing.ino);
    const merged = new Uint8Array(old.length + added.length);
    merged.set(old);
    merged.set(added, old.length);
    this.storeFile(target, merged);
  }

  async exists(path: string): Promise<boolean> {
    if (path.includes("\0")) return false;
    try {
      return this.node(this.resolve(path, "access")) !== undefined;
    } catch {
      return false;
    }
  }

  async stat(path: string): Promise<FsStat> {
    checkPath(path, "stat");
    const node = this.node(this.resolve(path, "stat"));
    if (!node) throw enoent("stat", path);
    return this.statOf(node);
  }

  async lstat(path: string): Promise<FsStat> {
    checkPath(path, "lstat");
    const node = this.node(this.resolveParent(path, "lstat"));
    if (!node) throw enoent("lstat", path);
    return this.statOf(node);
  }

  private statOf(node: NodeRow): FsStat {
    return {
      isFile: node.type === "file",
      isDirectory: node.type === "directory",
      isSymbolicLink: node.type === "symlink",
      mode: node.mode,
      size: node.type === "symlink" ? node.target!.length : node.size,
      mtime: new Date(node.mtime),
      identity: `sqlitefs:${node.path}`,
    };
  }

  async mkdir(path: string, options?: MkdirOptions): Promise<void> {
    checkPath(path, "mkdir");
    const target = normalize(path);
    const existing = this.node(target);
    if (existing) {
      if (existing.type === "file") throw new FsError("EEXIST", "file already exists", "mkdir", path);
      if (!options?.recursive) throw new FsError("EEXIST", "directory already exists", "mkdir", path);
      return;
    }
    const parent = dirname(target);
    if (parent !== "/" && !this.node(parent)) {
      if (!options?.recursive) throw enoent("mkdir", path);
      await this.mkdir(parent, { recursive: true });
    }
    this.put(target, { type: "directory", mode: DIR_MODE });
  }

  async readdir(path: string): Promise<string[]> {
    return (await this.readdirWithFileTypes(path)).map((d) => d.name);
  }

  async readdirWithFileTypes(path: string): Promise<DirentEntry[]> {
    checkPath(path, "scandir");
    const dir = this.resolve(path, "scandir");
    const node = this.node(dir);
    if (!node) throw enoent("scandir", path);
    if (node.type !== "directory") throw new FsError("ENOTDIR", "not a directory", "scandir", path);
    return this.sql
      .exec<{ path: string; type: NodeType }>("SELECT path, type FROM fs_nodes WHERE parent = ? AND path != '/' ORDER BY path", dir)
      .toArray()
      .map((r) => ({
        name: r.path.slice(r.path.lastIndexOf("/") + 1),
        isFile: r.type === "file",
        isDirectory: r.type === "directory",
        isSymbolicLink: r.type === "symlink",
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async rm(path: string, options?: RmOptions): Promise<void> {
    checkPath(path, "rm");
    const target = this.resolveParent(path, "rm");
    const node = this.node(target);
    if (!node) {
      if (options?.force) return;
      throw enoent("rm", path);
    }
    if (target === "/") throw new FsError("EPERM", "operation not permitted", "rm", path);
    if (node.type === "directory") {
      const children = await this.readdir(target);
      if (children.length && !options?.recursive) throw new FsError("ENOTEMPTY", "directory not empty", "rm", path);
      this.sql.exec(
        "DELETE FROM fs_chunks WHERE ino IN (SELECT ino FROM fs_nodes WHERE substr(path, 1, ?) = ? AND ino IS NOT NULL)",
        target.length + 1,
        `${target}/`,
      );
      this.sql.exec("DELETE FROM fs_nodes WHERE substr(path, 1, ?) = ?", target.length + 1, `${target}/`);
    }
    this.remove(target);
  }

  async cp(src: string, dest: string, options?: CpOptions): Promise<void> {
    checkPath(src, "cp");
    checkPath(dest, "cp");
    const from = normalize(src);
    const to = normalize(dest);
    const node = this.node(from);
    if (!node) throw enoent("cp", src);
    if (node.type === "file") {
      this.ensureParentDirs(to);
      this.put(to, { type: "file", ino: this.writeData(this.readData(node.ino)), mode: node.mode, mtime: node.mtime, size: node.size });
    } else if (node.type === "symlink") {
      this.ensureParentDirs(to);
      this.put(to, { type: "symlink", target: node.target, mode: node.mode });
    } else {
      if (!options?.recursive) throw new FsError("EISDIR", "is a directory", "cp", src);
      if (isWithin(from, to)) throw new FsError("EINVAL", `cannot copy '${src}' into itself`, "cp", dest);
      await this.mkdir(to, { recursive: true });
      for (const name of await this.readdir(from)) await this.cp(join(from, name), join(to, name), options);
    }
  }

  async mv(src: string, dest: string): Promise<void> {
    checkPath(src, "mv");
    checkPath(dest, "mv");
    const from = normalize(src);
    const to = normalize(dest);
    if (from === to) return;
    const node = this.node(from);
    if (!node) throw enoent("mv", src);
    if (node.type === "directory") {
      if (isWithin(from, to)) throw new FsError("EINVAL", `cannot move '${src}' into itself`, "mv", dest);
      await this.mkdir(to, { recursive: true });
      for (const name of await this.readdir(from)) await this.mv(join(from, name), join(to, name));
      this.remove(from);
      return;
    }
    this.ensureParentDirs(to);
    // Re-point the row (and its data) rather than copying the bytes.
    this.remove(to);
    this.sql.exec("UPDATE fs_nodes SET path = ?, parent = ? WHERE path = ?", to, dirname(to), from);
  }

  getAllPaths(): string[] {
    return this.sql.exec<{ path: string }>("SELECT path FROM fs_nodes ORDER BY path").toArray().map((r) => r.path);
  }

  resolvePath(base: string, path: string): string {
    return path.startsWith("/") ? normalize(path) : normalize(join(base, path));
  }

  async chmod(path: string, mode: number): Promise<void> {
    checkPath(path, "chmod");
    const target = normalize(path);
    if (!this.node(target)) throw enoent("chmod", path);
    this.sql.exec("UPDATE fs_nodes SET mode = ? WHERE path = ?", mode, target);
  }

  async symlink(target: string, linkPath: string): Promise<void> {
    checkPath(linkPath, "symlink");
    const link = normalize(linkPath);
    if (this.node(link)) throw new FsError("EEXIST", "file already exists", "symlink", linkPath);
    this.ensureParentDirs(link);
    this.put(link, { type: "symlink", target, mode: 0o777 });
  }

  async link(existingPath: string, newPath: string): Promise<void> {
    checkPath(existingPath, "link");
    checkPath(newPath, "link");
    const from = normalize(existingPath);
    const to = normalize(newPath);
    const node = this.node(from);
    if (!node) throw enoent("link", existingPath);
    if (node.type !== "file") throw new FsError("EPERM", "operation not permitted", "link", existingPath);
    if (this.node(to)) throw new FsError("EEXIST", "file already exists", "link", newPath);
    this.ensureParentDirs(to);
    this.put(to, { type: "file", ino: this.writeData(this.readData(node.ino)), mode: node.mode, mtime: node.mtime, size: node.size });
  }

  async readlink(path: string): Promise<string> {
    checkPath(path, "readlink");
    const node = this.node(normalize(path));
    if (!node) throw enoent("readlink", path);
    if (node.type !== "symlink") throw new FsError("EINVAL", "invalid argument", "readlink", path);
    return node.target!;
  }

  async realpath(path: string): Promise<string> {
    checkPath(path, "realpath");
    const real = this.resolve(path, "realpath");
    if (!this.node(real)) throw enoent("realpath", path);
    return real;
  }

  async utimes(path: string, _atime: Date, mtime: Date): Promise<void> {
    checkPath(path, "utimes");
    const target = this.resolve(path, "utimes");
    if (!this.node(target)) throw enoent("utimes", path);
    this.sql.exec("UPDATE fs_nodes SET mtime = ? WHERE path = ?", mtime.getTime(), target);
  }

  // ---- snapshot support ----

  /** Every node under `root` with its bytes, for a backup. */
  *entries(root: string): Generator<{ path: string; type: NodeType; mode: number; mtime: number; target: string | null; data: Uint8Array | null }> {
    const prefix = root === "/" ? "/" : `${root}/`;
    const rows = this.sql
      .exec<NodeRow>("SELECT * FROM fs_nodes WHERE path = ? OR substr(path, 1, ?) = ? ORDER BY path", root, prefix.length, prefix)
      .toArray();
    for (const r of rows) {
      yield { path: r.path, type: r.type, mode: r.mode, mtime: r.mtime, target: r.target, data: r.type === "file" ? this.readData(r.ino) : null };
    }
  }

  /** Recreates one node from a backup (parents first: entries are restored in path order). */
  restoreEntry(e: { path: string; type: NodeType; mode: number; mtime: number; target: string | null; data: Uint8Array | null }) {
    if (e.path === "/") return;
    this.ensureParentDirs(e.path);
    if (e.type === "file") {
      const bytes = e.data ?? new Uint8Array();
      this.put(e.path, { type: "file", ino: this.writeData(bytes), mode: e.mode, mtime: e.mtime, size: bytes.length });
    } else {
      this.put(e.path, { type: e.type, target: e.target, mode: e.mode, mtime: e.mtime });
    }
  }

  /** Removes everything under `root` (the root itself stays). */
  clear(root: string) {
    const prefix = root === "/" ? "/" : `${root}/`;
    this.sql.exec(
      "DELETE FROM fs_chunks WHERE ino IN (SELECT ino FROM fs_nodes WHERE substr(path, 1, ?) = ? AND path != ? AND ino IS NOT NULL)",
      prefix.length,
      prefix,
      root,
    );
    this.sql.exec("DELETE FROM fs_nodes WHERE substr(path, 1, ?) = ? AND path != ?", prefix.length, prefix, root);
  }
}
