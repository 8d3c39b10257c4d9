import type { Env } from "../../src/env";
import { sessionStub } from "../../src/db/queries/sessions";

/** How long a session may keep the workspace's endpoint list before reading it again (and registering again). */
export const ENDPOINT_CACHE_TTL_MS = 10 * 60_000;

/**
 * The sessions holding a copy of their workspace's webhook endpoints (durable-objects/session/endpoint-cache.ts), kept
 * by the workspace's delivery object so that an endpoint change reaches every copy before the change's route answers.
 * In this object's SQLite: a registration outlives an eviction of either side.
 */
export class EndpointWatchers {
  constructor(
    private readonly env: Env,
    private readonly sql: SqlStorage,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS endpoint_watchers (session_id TEXT PRIMARY KEY, until INTEGER NOT NULL)`);
  }

  /** A session is about to read the endpoints and keep them until `until`. */
  watch(sessionId: string, until: number) {
    this.sql.exec(
      `INSERT INTO endpoint_watchers (session_id, until) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET until = MAX(until, excluded.until)`,
      sessionId,
      until,
    );
  }

  /** The workspace's endpoints changed: every session still holding a copy drops it (they register again on reading). */
  async changed() {
    const now = Date.now();
    const watchers = this.sql.exec<{ session_id: string }>(`SELECT session_id FROM endpoint_watchers WHERE until > ?`, now).toArray();
    this.sql.exec(`DELETE FROM endpoint_watchers`);
    await Promise.all(
      watchers.map(({ session_id }) =>
        sessionStub(this.env, session_id)
          .forgetWebhookEndpoints()
          .catch((err) =>
            console.error(JSON.stringify({ level: "error", message: "a session kept stale webhook endpoints", session: session_id, error: String(err) })),
          ),
      ),
    );
  }
}
