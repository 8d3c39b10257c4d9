/** `workers_polling` counts workers seen within this window, as the API documents. */
const POLLING_WINDOW_MS = 30_000;
/** A worker unseen for this long is forgotten, so the table holds only workers that could still count. */
const FORGET_AFTER_MS = 10 * POLLING_WINDOW_MS;

/** The workers that poll this queue, by the id they send, for the queue's `workers_polling` stat. */
export class PollerRegistry {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS pollers (worker_id TEXT PRIMARY KEY, last_poll_at INTEGER NOT NULL)");
  }

  seen(workerId: string, now: number) {
    this.sql.exec(
      "INSERT INTO pollers (worker_id, last_poll_at) VALUES (?, ?) ON CONFLICT (worker_id) DO UPDATE SET last_poll_at = excluded.last_poll_at",
      workerId,
      now,
    );
    this.sql.exec("DELETE FROM pollers WHERE last_poll_at < ?", now - FORGET_AFTER_MS);
  }

  pollingAt(now: number): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM pollers WHERE last_poll_at >= ?", now - POLLING_WINDOW_MS).one().n;
  }
}
