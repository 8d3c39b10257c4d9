import type { BaselineEntry, MountBaseline } from "../../src/hands/memory-mounts/memory-sync";

/**
 * The memory sync's baseline in the sandbox object's SQLite: which stores are mounted in the current sandbox and
 * the hash of each memory as the mount last held it. Cleared with the sandbox (the mounts are not in its snapshot,
 * so the next sandbox mounts them afresh).
 */
export class SqlMountBaseline implements MountBaseline {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS memory_mounted (store_id TEXT PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS memory_baseline (
        store_id TEXT NOT NULL,
        path TEXT NOT NULL,
        memory_id TEXT NOT NULL,
        sha TEXT NOT NULL,
        PRIMARY KEY (store_id, path)
      );
    `);
  }

  isMounted(storeId: string) {
    return this.sql.exec("SELECT 1 FROM memory_mounted WHERE store_id = ?", storeId).toArray().length > 0;
  }

  markMounted(storeId: string) {
    this.sql.exec("INSERT OR IGNORE INTO memory_mounted (store_id) VALUES (?)", storeId);
  }

  entries(storeId: string) {
    const rows = this.sql.exec<{ path: string; memory_id: string; sha: string }>("SELECT path, memory_id, sha FROM memory_baseline WHERE store_id = ?", storeId);
    return new Map<string, BaselineEntry>(rows.toArray().map((r) => [r.path, { memoryId: r.memory_id, sha: r.sha }]));
  }

  set(storeId: string, path: string, entry: BaselineEntry) {
    this.sql.exec(
      "INSERT INTO memory_baseline (store_id, path, memory_id, sha) VALUES (?, ?, ?, ?) ON CONFLICT (store_id, path) DO UPDATE SET memory_id = excluded.memory_id, sha = excluded.sha",
      storeId,
      path,
      entry.memoryId,
      entry.sha,
    );
  }

  delete(storeId: string, path: string) {
    this.sql.exec("DELETE FROM memory_baseline WHERE store_id = ? AND path = ?", storeId, path);
  }

  /** The sandbox is gone: nothing is mounted any more. */
  clear() {
    this.sql.exec("DELETE FROM memory_mounted");
    this.sql.exec("DELETE FROM memory_baseline");
  }
}
