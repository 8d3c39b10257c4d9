import type { BufferEncoding, CpOptions, FileContent, FsStat, IFileSystem, MkdirOptions, RmOptions } from "just-bash/browser";
import { decode, encode, encodingOf, type ReadFileOptions } from "./fs/encoding";
import { FsError, checkPath, dirname, enoent, isWithin, join, normalize } from "./fs/paths";
import { FsStore, type FsQuota, type NodeRow, type NodeType } from "./fs/store";
import { PathResolver } from "./fs/resolve";

export { FsError, normalize, dirname };
export type { FsQuota };

type DirentEntry = { name: string; isFile: boolean; isDirectory: boolean; isSymbolicLink: boolean };

const DIR_MODE = 0o755;
const FILE_MODE = 0o644;

/** A node as a snapshot lists it: its bytes are read separately, a chunk at a time (`chunks`). */
export interface TreeEntry {
  path: string;
  type: NodeType;
  mode: number;
  mtime: number;
  target: string | null;
  size: number;
  ino: number | null;
}

/**
 * just-bash's filesystem interface over a Durable Object's SQLite: the sandbox's files survive isolate
 * restarts and evictions because they never live only in memory. Semantics follow just-bash's InMemoryFs
 * (same error texts, symlink resolution, copy/move behaviour); hard links are copies, as they effectively
 * are there too (a write replaces the shared buffer). Every write is held to the quota (fs/store.ts).
 */
export class SqliteFs implements IFileSystem {
  private readonly store: FsStore;
  private readonly paths: PathResolver;

  constructor(sql: SqlStorage, quota: FsQuota) {
    this.store = new FsStore(sql, quota);
    this.paths = new PathResolver(this.store);
    if (!this.store.node("/")) this.store.put("/", { type: "directory", mode: DIR_MODE });
  }

  usedBytes() {
    return this.store.usedBytes();
  }

  private storeFile(path: string, bytes: Uint8Array, op: string, mode?: number) {
    this.store.checkSpace(path, bytes.length, op);
    const old = this.store.node(path);
    this.store.put(path, { type: "file", ino: this.store.writeData(bytes), mode: mode ?? old?.mode ?? FILE_MODE, size: bytes.length });
  }

  /** A copy of a file's bytes at `to` (cp, link), held to the quota like any write. */
  private copyFile(node: NodeRow, to: string, op: string) {
    this.store.checkSpace(to, node.size, op);
    this.store.put(to, { type: "file", ino: this.store.writeData(this.store.readData(node.ino)), mode: node.mode, mtime: node.mtime, size: node.size });
    this.paths.ensureParentDirs(to);
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
    const node = this.store.node(this.paths.resolve(path, "open"));
    if (!node) throw enoent("open", path);
    if (node.type !== "file") throw new FsError("EISDIR", "illegal operation on a directory", "read", path);
    return this.store.readData(node.ino);
  }

  async writeFile(path: string, content: FileContent, options?: { encoding?: BufferEncoding } | BufferEncoding): Promise<void> {
    checkPath(path, "write");
    const target = this.paths.resolve(path, "write");
    const existing = this.store.node(target);
    if (existing?.type === "directory") throw new FsError("EISDIR", "illegal operation on a directory", "write", path);
    // Stored before its parents are made: a write refused for space leaves nothing behind.
    this.storeFile(target, encode(content, encodingOf(options)), "write");
    this.paths.ensureParentDirs(target);
  }

  async appendFile(path: string, content: FileContent, options?: { encoding?: BufferEncoding } | BufferEncoding): Promise<void> {
    checkPath(path, "append");
    const target = this.paths.resolve(path, "append");
    const existing = this.store.node(target);
    if (existing?.type === "directory") throw new FsError("EISDIR", "illegal operation on a directory", "write", path);
    if (existing?.type !== "file") return this.writeFile(path, content, options);
    const added = encode(content, encodingOf(options));
    // Checked before the old bytes are read: a file at its limit is refused without loading it.
    this.store.checkSpace(target, existing.size + added.length, "write");
    const old = this.store.readData(existing.ino);
    const merged = new Uint8Array(old.length + added.length);
    merged.set(old);
    merged.set(added, old.length);
    this.storeFile(target, merged, "write");
  }

  async exists(path: string): Promise<boolean> {
    if (path.includes("\0")) return false;
    try {
      return this.store.node(this.paths.resolve(path, "access")) !== undefined;
    } catch {
      return false;
    }
  }

  async stat(path: string): Promise<FsStat> {
    checkPath(path, "stat");
    const node = this.store.node(this.paths.resolve(path, "stat"));
    if (!node) throw enoent("stat", path);
    return statOf(node);
  }

  async lstat(path: string): Promise<FsStat> {
    checkPath(path, "lstat");
    const node = this.store.node(this.paths.resolveParent(path, "lstat"));
    if (!node) throw enoent("lstat", path);
    return statOf(node);
  }

  async mkdir(path: string, options?: MkdirOptions): Promise<void> {
    checkPath(path, "mkdir");
    const target = normalize(path);
    const existing = this.store.node(target);
    if (existing) {
      if (existing.type === "file") throw new FsError("EEXIST", "file already exists", "mkdir", path);
      if (!options?.recursive) throw new FsError("EEXIST", "directory already exists", "mkdir", path);
      return;
    }
    const parent = dirname(target);
    if (parent !== "/" && !this.store.node(parent)) {
      if (!options?.recursive) throw enoent("mkdir", path);
      await this.mkdir(parent, { recursive: true });
    }
    this.store.put(target, { type: "directory", mode: DIR_MODE });
  }

  async readdir(path: string): Promise<string[]> {
    return (await this.readdirWithFileTypes(path)).map((d) => d.name);
  }

  async readdirWithFileTypes(path: string): Promise<DirentEntry[]> {
    checkPath(path, "scandir");
    const dir = this.paths.resolve(path, "scandir");
    const node = this.store.node(dir);
    if (!node) throw enoent("scandir", path);
    if (node.type !== "directory") throw new FsError("ENOTDIR", "not a directory", "scandir", path);
    return this.store
      .children(dir)
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
    const target = this.paths.resolveParent(path, "rm");
    const node = this.store.node(target);
    if (!node) {
      if (options?.force) return;
      throw enoent("rm", path);
    }
    if (target === "/") throw new FsError("EPERM", "operation not permitted", "rm", path);
    if (node.type === "directory") {
      const children = await this.readdir(target);
      if (children.length && !options?.recursive) throw new FsError("ENOTEMPTY", "directory not empty", "rm", path);
      this.store.removeUnder(target);
    }
    this.store.remove(target);
  }

  async cp(src: string, dest: string, options?: CpOptions): Promise<void> {
    checkPath(src, "cp");
    checkPath(dest, "cp");
    const from = normalize(src);
    const to = normalize(dest);
    const node = this.store.node(from);
    if (!node) throw enoent("cp", src);
    if (node.type === "file") {
      this.copyFile(node, to, "cp");
    } else if (node.type === "symlink") {
      this.paths.ensureParentDirs(to);
      this.store.put(to, { type: "symlink", target: node.target, mode: node.mode });
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
    const node = this.store.node(from);
    if (!node) throw enoent("mv", src);
    if (node.type === "directory") {
      if (isWithin(from, to)) throw new FsError("EINVAL", `cannot move '${src}' into itself`, "mv", dest);
      await this.mkdir(to, { recursive: true });
      for (const name of await this.readdir(from)) await this.mv(join(from, name), join(to, name));
      this.store.remove(from);
      return;
    }
    this.paths.ensureParentDirs(to);
    // Re-point the row (and its data) rather than copying the bytes.
    this.store.remove(to);
    this.store.rename(from, to);
  }

  getAllPaths(): string[] {
    return this.store.allPaths();
  }

  resolvePath(base: string, path: string): string {
    return path.startsWith("/") ? normalize(path) : normalize(join(base, path));
  }

  async chmod(path: string, mode: number): Promise<void> {
    checkPath(path, "chmod");
    const target = normalize(path);
    if (!this.store.node(target)) throw enoent("chmod", path);
    this.store.setMode(target, mode);
  }

  async symlink(target: string, linkPath: string): Promise<void> {
    checkPath(linkPath, "symlink");
    const link = normalize(linkPath);
    if (this.store.node(link)) throw new FsError("EEXIST", "file already exists", "symlink", linkPath);
    this.paths.ensureParentDirs(link);
    this.store.put(link, { type: "symlink", target, mode: 0o777 });
  }

  async link(existingPath: string, newPath: string): Promise<void> {
    checkPath(existingPath, "link");
    checkPath(newPath, "link");
    const from = normalize(existingPath);
    const to = normalize(newPath);
    const node = this.store.node(from);
    if (!node) throw enoent("link", existingPath);
    if (node.type !== "file") throw new FsError("EPERM", "operation not permitted", "link", existingPath);
    if (this.store.node(to)) throw new FsError("EEXIST", "file already exists", "link", newPath);
    this.copyFile(node, to, "link");
  }

  async readlink(path: string): Promise<string> {
    checkPath(path, "readlink");
    const node = this.store.node(normalize(path));
    if (!node) throw enoent("readlink", path);
    if (node.type !== "symlink") throw new FsError("EINVAL", "invalid argument", "readlink", path);
    return node.target!;
  }

  async realpath(path: string): Promise<string> {
    checkPath(path, "realpath");
    const real = this.paths.resolve(path, "realpath");
    if (!this.store.node(real)) throw enoent("realpath", path);
    return real;
  }

  async utimes(path: string, _atime: Date, mtime: Date): Promise<void> {
    checkPath(path, "utimes");
    const target = this.paths.resolve(path, "utimes");
    if (!this.store.node(target)) throw enoent("utimes", path);
    this.store.setMtime(target, mtime.getTime());
  }

  // ---- snapshot support ----

  /** Every node under `root` without its bytes (read them with `chunks`), parents first. */
  tree(root: string): TreeEntry[] {
    return this.store.tree(root).map(({ path, type, mode, mtime, target, size, ino }) => ({ path, type, mode, mtime, target, size, ino }));
  }

  /** A file's bytes, one stored chunk at a time. */
  chunks(ino: number | null): Iterable<Uint8Array> {
    return this.store.chunks(ino);
  }

  /**
   * Recreates one node from a snapshot (parents first: entries are restored in path order). Not held to the
   * quota: the snapshot was taken under it, and a restore that stopped halfway would lose the workspace.
   */
  async restoreEntry(e: Omit<TreeEntry, "size" | "ino">, data?: AsyncIterable<Uint8Array>) {
    if (e.path === "/") return;
    this.paths.ensureParentDirs(e.path);
    if (e.type === "file") {
      const { ino, size } = await this.store.writeDataFrom(data ?? emptyPieces());
      this.store.put(e.path, { type: "file", ino, mode: e.mode, mtime: e.mtime, size });
    } else {
      this.store.put(e.path, { type: e.type, target: e.target, mode: e.mode, mtime: e.mtime });
    }
  }

  /** Removes everything under `root` (the root itself stays). */
  clear(root: string) {
    this.store.removeUnder(root);
  }
}

async function* emptyPieces(): AsyncGenerator<Uint8Array> {}

function statOf(node: NodeRow): FsStat {
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
