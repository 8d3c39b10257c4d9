import { newId } from "../../src/lib/ids";
import type { WorkItem, WorkState } from "./work-item";

/** A stored item: the `WorkItem` (its metadata as JSON) plus the queue's own lease and delivery bookkeeping. */
export type WorkItemRow = Omit<WorkItem, "metadata"> & {
  metadata: string;
  /** ms epoch of the latest delivery to a poller; null until polled (and again after a requeue) */
  delivered_at: number | null;
  /** how many times the item has been delivered: the epoch of the newest sessions token */
  delivery: number;
  /** sessions tokens minted for earlier deliveries than this lost their lease */
  min_live_epoch: number;
  lease_ttl_s: number | null;
  lease_expires_at: number | null;
  last_enqueue_at: number | null;
  requeue_on_stop: number;
};

const LIVE_STATES = "('queued','starting','active','stopping')";
/** States in which a worker holds (or is draining) the lease, so the lease can expire. */
const LEASED_STATES = "('starting','active','stopping')";

export const iso = (ms: number) => new Date(ms).toISOString();

export const toWorkItem = (r: WorkItemRow): WorkItem => ({
  id: r.id,
  workspace_id: r.workspace_id,
  environment_id: r.environment_id,
  session_id: r.session_id,
  state: r.state,
  metadata: JSON.parse(r.metadata),
  created_at: r.created_at,
  acknowledged_at: r.acknowledged_at,
  started_at: r.started_at,
  latest_heartbeat_at: r.latest_heartbeat_at,
  stop_requested_at: r.stop_requested_at,
  stopped_at: r.stopped_at,
});

/**
 * The queue's persistence: the `work_items` table in the queue object's SQLite, one named statement per state
 * change. The rules for when a change may happen live in `EnvironmentWorkQueue`; this file only knows the columns.
 */
export class WorkItemTable {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS work_items (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        environment_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        state TEXT NOT NULL,
        metadata TEXT NOT NULL,
        created_at TEXT NOT NULL,
        acknowledged_at TEXT,
        started_at TEXT,
        latest_heartbeat_at TEXT,
        stop_requested_at TEXT,
        stopped_at TEXT,
        delivered_at INTEGER,
        delivery INTEGER NOT NULL DEFAULT 0,
        min_live_epoch INTEGER NOT NULL DEFAULT 0,
        lease_ttl_s INTEGER,
        lease_expires_at INTEGER,
        last_enqueue_at INTEGER,
        requeue_on_stop INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS work_items_session ON work_items (session_id, state);
      CREATE INDEX IF NOT EXISTS work_items_state ON work_items (state, id);
    `);
  }

  get(workId: string): WorkItemRow | undefined {
    return this.rows("SELECT * FROM work_items WHERE id = ?", workId)[0];
  }

  /** The session's newest item that is not yet stopped, if any. */
  liveForSession(sessionId: string): WorkItemRow | undefined {
    return this.rows(`SELECT * FROM work_items WHERE session_id = ? AND state IN ${LIVE_STATES} ORDER BY id DESC LIMIT 1`, sessionId)[0];
  }

  /** Newest first, keyset-paginated on the (time-sortable) id; one row more than `limit` tells whether more follow. */
  page(limit: number, before?: string): WorkItemRow[] {
    return before
      ? this.rows("SELECT * FROM work_items WHERE id < ? ORDER BY id DESC LIMIT ?", before, limit + 1)
      : this.rows("SELECT * FROM work_items ORDER BY id DESC LIMIT ?", limit + 1);
  }

  insert(workspaceId: string, environmentId: string, sessionId: string, metadata: Record<string, string>, now: number): WorkItemRow {
    const id = newId("work");
    this.sql.exec(
      `INSERT INTO work_items (id, workspace_id, environment_id, session_id, state, metadata, created_at)
       VALUES (?, ?, ?, ?, 'queued', ?, ?)`,
      id,
      workspaceId,
      environmentId,
      sessionId,
      JSON.stringify(metadata),
      iso(now),
    );
    return this.get(id)!;
  }

  /** The oldest queued item never delivered, or delivered at or before `deliveredBefore` and not acknowledged. */
  oldestClaimable(deliveredBefore: number): WorkItemRow | undefined {
    return this.rows(
      "SELECT * FROM work_items WHERE state = 'queued' AND (delivered_at IS NULL OR delivered_at <= ?) ORDER BY id LIMIT 1",
      deliveredBefore,
    )[0];
  }

  markDelivered(workId: string, now: number, epoch: number) {
    this.sql.exec("UPDATE work_items SET delivered_at = ?, delivery = ? WHERE id = ?", now, epoch, workId);
  }

  markEnqueuedAgain(workId: string, now: number) {
    this.sql.exec("UPDATE work_items SET last_enqueue_at = ? WHERE id = ?", now, workId);
  }

  markRequeueOnStop(workId: string) {
    this.sql.exec("UPDATE work_items SET requeue_on_stop = 1 WHERE id = ?", workId);
  }

  markAcknowledged(workId: string, now: number, ttlSeconds: number) {
    this.sql.exec(
      `UPDATE work_items SET state = 'starting', acknowledged_at = ?, delivered_at = NULL, started_at = NULL,
         latest_heartbeat_at = NULL, lease_ttl_s = ?, lease_expires_at = ? WHERE id = ?`,
      iso(now),
      ttlSeconds,
      now + ttlSeconds * 1000,
      workId,
    );
  }

  markHeartbeat(workId: string, input: { state: WorkState; now: number; beat: number; ttlSeconds: number }) {
    this.sql.exec(
      `UPDATE work_items SET state = ?, started_at = COALESCE(started_at, ?), latest_heartbeat_at = ?, lease_ttl_s = ?,
         lease_expires_at = ? WHERE id = ?`,
      input.state,
      iso(input.now),
      iso(input.beat),
      input.ttlSeconds,
      input.now + input.ttlSeconds * 1000,
      workId,
    );
  }

  markStopping(workId: string, now: number) {
    this.sql.exec("UPDATE work_items SET state = 'stopping', stop_requested_at = COALESCE(stop_requested_at, ?) WHERE id = ?", iso(now), workId);
  }

  markStopped(workId: string, now: number) {
    this.sql.exec(
      `UPDATE work_items SET state = 'stopped', stopped_at = ?, stop_requested_at = COALESCE(stop_requested_at, ?),
         lease_expires_at = NULL, delivered_at = NULL WHERE id = ?`,
      iso(now),
      iso(now),
      workId,
    );
  }

  /**
   * Back to the queue after its worker's lease expired. Raising min_live_epoch makes that worker's sessions token
   * fail its next heartbeat with 412 (lease lost).
   */
  requeueExpired(workId: string) {
    this.sql.exec(
      `UPDATE work_items SET state = 'queued', delivered_at = NULL, acknowledged_at = NULL, started_at = NULL,
         latest_heartbeat_at = NULL, lease_expires_at = NULL, min_live_epoch = delivery + 1 WHERE id = ?`,
      workId,
    );
  }

  setMetadata(workId: string, metadata: Record<string, string>) {
    this.sql.exec("UPDATE work_items SET metadata = ? WHERE id = ?", JSON.stringify(metadata), workId);
  }

  leasesExpiredBy(now: number): WorkItemRow[] {
    return this.rows(
      `SELECT * FROM work_items WHERE state IN ${LEASED_STATES} AND lease_expires_at IS NOT NULL AND lease_expires_at <= ?`,
      now,
    );
  }

  /** When the next lease runs out (ms epoch), or null when no item is leased. */
  nextLeaseExpiry(): number | null {
    return this.sql
      .exec<{ at: number | null }>(
        `SELECT MIN(lease_expires_at) AS at FROM work_items WHERE state IN ${LEASED_STATES} AND lease_expires_at IS NOT NULL`,
      )
      .one().at;
  }

  deleteStoppedBefore(ms: number) {
    this.sql.exec("DELETE FROM work_items WHERE state = 'stopped' AND stopped_at < ?", iso(ms));
  }

  /** Queued items: `depth` never delivered, `pending` delivered but not yet acknowledged. */
  queuedCounts(): { depth: number; pending: number; oldest: string | null } {
    return this.sql
      .exec<{ depth: number; pending: number; oldest: string | null }>(
        `SELECT COALESCE(SUM(delivered_at IS NULL), 0) AS depth, COALESCE(SUM(delivered_at IS NOT NULL), 0) AS pending,
           MIN(created_at) AS oldest FROM work_items WHERE state = 'queued'`,
      )
      .one();
  }

  private rows(query: string, ...bindings: unknown[]): WorkItemRow[] {
    return this.sql.exec<WorkItemRow>(query, ...bindings).toArray();
  }
}
