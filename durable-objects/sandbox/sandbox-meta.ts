import type { BackupHandle } from "../../src/hands/sandbox";

/** The session a sandbox object serves, fixed by the first tool use it receives. */
export interface SandboxScope {
  workspaceId: string;
  sessionId: string;
  environmentId: string;
}

/**
 * What the sandbox object keeps besides its queue, one row per key: `scope` (whose sandbox this is),
 * `provisioned` (a sandbox is live), `latest_backup` (the snapshot the next sandbox restores),
 * `mounted_resources` (file resources already copied in), `last_activity` (for the idle snapshot) and
 * `token` (the cached sessions token).
 */
type MetaKey = "scope" | "provisioned" | "latest_backup" | "mounted_resources" | "last_activity" | "token";

/** The sandbox object's key-value facts in its SQLite, so they survive eviction. */
export class SandboxMeta {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  get(key: MetaKey): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM sandbox_meta WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  set(key: MetaKey, value: string) {
    this.sql.exec("INSERT INTO sandbox_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  delete(key: MetaKey) {
    this.sql.exec("DELETE FROM sandbox_meta WHERE key = ?", key);
  }

  scope(): SandboxScope | null {
    const raw = this.get("scope");
    return raw ? JSON.parse(raw) : null;
  }

  /** Binds this object to the session on first use; a tool use for any other session is refused. */
  claim(scope: SandboxScope) {
    const existing = this.scope();
    if (existing && existing.sessionId !== scope.sessionId) throw new Error("this sandbox belongs to another session");
    if (!existing) {
      this.set("scope", JSON.stringify({ workspaceId: scope.workspaceId, sessionId: scope.sessionId, environmentId: scope.environmentId }));
    }
  }

  latestBackup(): BackupHandle | null {
    const raw = this.get("latest_backup");
    return raw ? JSON.parse(raw) : null;
  }
}
