import { FsError, dirname } from "./paths";

export type NodeType = "file" | "directory" | "symlink";

export interface NodeRow extends Record<string, string | number | null> {
  path: string;
  parent: string | null;
  type: NodeType;
  ino: number | null;
  target: string | null;
  mode: number;
  mtime: number;
  size: number;
}

/** How much the filesystem may hold; a write past either fails with ENOSPC / EFBIG, as a full disk would. */
export interface FsQuota {
  /** Bytes of file content the whole filesystem may hold (the workspace's `max_sandbox_bytes`). */
  maxBytes: number;
  /** Bytes one file may hold: a file is read and written whole, so this bounds the isolate's memory per write. */
  maxFileBytes: number;
}

/** DO SQLite caps a value at 2 MB, so file bytes are stored in chunks well under it. */
export const CHUNK_BYTES = 1024 * 1024;

const MiB = 1024 * 1024;
export const formatBytes = (n: number) => (n >= MiB ? `${+(n / MiB).toFixed(1)} MiB` : `${n} bytes`);

/**
 * The rows under SqliteFs: one per path in `fs_nodes`, file bytes in 1 MiB chunks in `fs_chunks` keyed by inode,
 * and the running total of stored bytes in `fs_meta`, so the quota check on a write is one read, not a scan.
 */
export class FsStore {
  constructor(
    private readonly sql: SqlStorage,
    readonly quota: FsQuota,
  ) {
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
    // A filesystem written before the quota existed has no total yet: count it once.
    sql.exec("INSERT OR IGNORE INTO fs_meta (key, value) SELECT 'used_bytes', COALESCE(SUM(length(data)), 0) FROM fs_chunks");
  }

  node(path: string): NodeRow | undefined {
    return this.sql.exec<NodeRow>("SELECT * FROM fs_nodes WHERE path = ?", path).toArray()[0];
  }

  put(path: string, fields: { type: NodeType; ino?: number | null; target?: string | null; mode: number; mtime?: number; size?: number }) {
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

  remove(path: string) {
    const old = this.node(path);
    this.sql.exec("DELETE FROM fs_nodes WHERE path = ?", path);
    if (old?.ino != null) this.dropData(old.ino);
  }

  /** Deletes every node strictly under `dir` (and its bytes). */
  removeUnder(dir: string) {
    const prefix = dir === "/" ? "/" : `${dir}/`;
    const under = "SELECT ino FROM fs_nodes WHERE substr(path, 1, ?) = ? AND path != ? AND ino IS NOT NULL";
    const freed = this.sql
      .exec<{ n: number }>(`SELECT COALESCE(SUM(length(data)), 0) AS n FROM fs_chunks WHERE ino IN (${under})`, prefix.length, prefix, dir)
      .one().n;
    this.sql.exec(`DELETE FROM fs_chunks WHERE ino IN (${under})`, prefix.length, prefix, dir);
    this.sql.exec("DELETE FROM fs_nodes WHERE substr(path, 1, ?) = ? AND path != ?", prefix.length, prefix, dir);
    this.addUsed(-freed);
  }

  private dropData(ino: number) {
    const freed = this.sql.exec<{ n: number }>("SELECT COALESCE(SUM(length(data)), 0) AS n FROM fs_chunks WHERE ino = ?", ino).one().n;
    this.sql.exec("DELETE FROM fs_chunks WHERE ino = ?", ino);
    this.addUsed(-freed);
  }

  usedBytes(): number {
    return this.sql.exec<{ value: number }>("SELECT value FROM fs_meta WHERE key = 'used_bytes'").toArray()[0]?.value ?? 0;
  }

  private addUsed(delta: number) {
    if (delta) this.sql.exec("UPDATE fs_meta SET value = MAX(0, value + ?) WHERE key = 'used_bytes'", delta);
  }

  /**
   * Refuses a write of `size` bytes to `path` that would take the filesystem past its quota. The bytes the
   * write replaces (`path`'s current content) count as freed, so rewriting a file in place never fails.
   */
  checkSpace(path: string, size: number, op: string) {
    const { maxBytes, maxFileBytes } = this.quota;
    if (size > maxFileBytes) throw new FsError("EFBIG", `file too large (the sandbox allows at most ${formatBytes(maxFileBytes)} per file)`, op, path);
    const current = this.node(path);
    const replaced = current?.type === "file" ? current.size : 0;
    const used = this.usedBytes();
    if (used - replaced + size > maxBytes) {
      throw new FsError(
        "ENOSPC",
        `no space left on device (the sandbox's filesystem holds at most ${formatBytes(maxBytes)}, max_sandbox_bytes; ${formatBytes(used)} used: delete files to make room)`,
        op,
        path,
      );
    }
  }

  private nextIno(): number {
    const next = this.sql.exec<{ value: number }>("SELECT value FROM fs_meta WHERE key = 'next_ino'").toArray()[0]?.value ?? 1;
    this.sql.exec("INSERT INTO fs_meta (key, value) VALUES ('next_ino', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", next + 1);
    return next;
  }

  writeData(bytes: Uint8Array): number {
    const ino = this.nextIno();
    for (let idx = 0, off = 0; off < bytes.length || idx === 0; idx++, off += CHUNK_BYTES) {
      this.sql.exec("INSERT INTO fs_chunks (ino, idx, data) VALUES (?, ?, ?)", ino, idx, bytes.slice(off, off + CHUNK_BYTES));
    }
    this.addUsed(bytes.length);
    return ino;
  }

  /** Stores bytes that arrive in pieces (a snapshot being restored) without holding the whole file: returns its inode and size. */
  async writeDataFrom(pieces: AsyncIterable<Uint8Array>): Promise<{ ino: number; size: number }> {
    const ino = this.nextIno();
    let idx = 0;
    let size = 0;
    let chunk = new Uint8Array(CHUNK_BYTES);
    let filled = 0;
    const flush = () => {
      this.sql.exec("INSERT INTO fs_chunks (ino, idx, data) VALUES (?, ?, ?)", ino, idx++, chunk.subarray(0, filled));
      size += filled;
      chunk = new Uint8Array(CHUNK_BYTES);
      filled = 0;
    };
    // Pieces arrive as the decompressor cuts them (often a few KiB): gathered into whole chunks before storing.
    for await (const piece of pieces) {
      for (let at = 0; at < piece.length; ) {
        const n = Math.min(CHUNK_BYTES - filled, piece.length - at);
        chunk.set(piece.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === CHUNK_BYTES) flush();
      }
    }
    if (filled > 0 || idx === 0) flush();
    this.addUsed(size);
    return { ino, size };
  }

  readData(ino: number | null): Uint8Array {
    const chunks = [...this.chunks(ino)];
    if (chunks.length === 1) return chunks[0];
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  /** A file's bytes one stored chunk at a time, so a snapshot never holds more than one chunk of a file. */
  *chunks(ino: number | null): Generator<Uint8Array> {
    if (ino == null) return;
    for (let idx = 0; ; idx++) {
      const row = this.sql.exec<{ data: ArrayBuffer }>("SELECT data FROM fs_chunks WHERE ino = ? AND idx = ?", ino, idx).toArray()[0];
      if (!row) return;
      yield new Uint8Array(row.data);
    }
  }

  /** Every node at or under `root`, in path order (parents first). */
  tree(root: string): NodeRow[] {
    const prefix = root === "/" ? "/" : `${root}/`;
    return this.sql
      .exec<NodeRow>("SELECT * FROM fs_nodes WHERE path = ? OR substr(path, 1, ?) = ? ORDER BY path", root, prefix.length, prefix)
      .toArray();
  }

  children(dir: string): { path: string; type: NodeType }[] {
    return this.sql.exec<{ path: string; type: NodeType }>("SELECT path, type FROM fs_nodes WHERE parent = ? AND path != '/' ORDER BY path", dir).toArray();
  }

  allPaths(): string[] {
    return this.sql.exec<{ path: string }>("SELECT path FROM fs_nodes ORDER BY path").toArray().map((r) => r.path);
  }

  rename(from: string, to: string) {
    this.sql.exec("UPDATE fs_nodes SET path = ?, parent = ? WHERE path = ?", to, dirname(to), from);
  }

  setMode(path: string, mode: number) {
    this.sql.exec("UPDATE fs_nodes SET mode = ? WHERE path = ?", mode, path);
  }

  setMtime(path: string, mtime: number) {
    this.sql.exec("UPDATE fs_nodes SET mtime = ? WHERE path = ?", mtime, path);
  }
}
