import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";
import { newId } from "../../src/lib/ids";
import { revokeWorkTokens } from "../../src/hands/tokens";
import { HandsNotice } from "./hands-notice";
import {
  ok,
  type Delivery,
  type LeaseState,
  type Outcome,
  type QueueStats,
  type StopRequester,
  type WorkItem,
  type WorkState,
} from "./work-item";

/** Lease TTL when the worker asks for none: the hosted API's default, which the SDK's send-retry window mirrors. */
export const DEFAULT_LEASE_TTL_S = 300;
export const MAX_LEASE_TTL_S = 3600;
/** A delivered item nobody acknowledged within this long may be handed to the next poller (the API's default). */
export const DEFAULT_RECLAIM_MS = 5000;
/** `workers_polling` counts workers seen within this window, as the API documents. */
const POLLING_WINDOW_MS = 30_000;
/**
 * A worker stops its item once the session has been idle for its `maxIdleMs` (60 s by default). Tool uses
 * enqueued this close to that stop may have landed after the runner decided to leave, so the session gets
 * a fresh item rather than waiting for the brain to re-dispatch.
 */
const REQUEUE_WINDOW_MS = 60_000;
const NO_HEARTBEAT = "NO_HEARTBEAT";
/** Stopped items stay listable this long, then go: the queue must not grow with every session ever served. */
const STOPPED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const LIVE_STATES = "('queued','starting','active','stopping')";

interface Row extends Record<string, string | number | null> {
  id: string;
  workspace_id: string;
  environment_id: string;
  session_id: string;
  state: WorkState;
  metadata: string;
  created_at: string;
  acknowledged_at: string | null;
  started_at: string | null;
  latest_heartbeat_at: string | null;
  stop_requested_at: string | null;
  stopped_at: string | null;
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
}

const toItem = (r: Row): WorkItem => ({
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

const iso = (ms: number) => new Date(ms).toISOString();
const clampTtl = (ttl: number) => Math.min(MAX_LEASE_TTL_S, Math.max(1, Math.floor(ttl)));

/**
 * One per self-hosted environment (`idFromName(environmentId)`): the work queue the SDK's EnvironmentWorker
 * polls. Items live in this object's SQLite; leases expire by alarm, and an expired lease puts the item back
 * in the queue for the next poller. Long polls wait in memory for an enqueue instead of spinning.
 */
export class EnvironmentWorkQueue extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Pollers waiting for work; each is woken (and re-tries its claim) whenever an item becomes available. */
  private readonly waiters = new Set<() => void>();
  /** The lease of a worker that asks for none (WORK_LEASE_TTL_SECONDS, else the hosted API's 300 s). */
  private readonly defaultLeaseTtl: number;
  /** Sessions whose items wait for a free worker hear so, and hear when one claims them. */
  private readonly notice: HandsNotice;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    const configured = Number(env.WORK_LEASE_TTL_SECONDS);
    this.defaultLeaseTtl = configured > 0 ? clampTtl(configured) : DEFAULT_LEASE_TTL_S;
    this.notice = new HandsNotice(env, ctx, (id) => this.get(id)?.state === "queued" && this.get(id)?.delivered_at === null);
    this.sql.exec(`
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
      CREATE TABLE IF NOT EXISTS pollers (worker_id TEXT PRIMARY KEY, last_poll_at INTEGER NOT NULL);
    `);
  }

  /**
   * Queue the session for a worker unless it already has a live item (idempotent: the brain may dispatch
   * the same tool uses again). A live item that is winding down hands over to a fresh one when it stops.
   */
  async enqueueSession(input: {
    workspaceId: string;
    environmentId: string;
    sessionId: string;
    metadata?: Record<string, string>;
  }): Promise<WorkItem> {
    const now = Date.now();
    await this.tick(now);
    const live = this.rows(`SELECT * FROM work_items WHERE session_id = ? AND state IN ${LIVE_STATES} ORDER BY id DESC LIMIT 1`, input.sessionId)[0];
    if (live) {
      if (live.state === "stopping") this.sql.exec("UPDATE work_items SET requeue_on_stop = 1 WHERE id = ?", live.id);
      else if (live.state !== "queued") this.sql.exec("UPDATE work_items SET last_enqueue_at = ? WHERE id = ?", now, live.id);
      return toItem(live);
    }
    const item = toItem(this.insert(input.workspaceId, input.environmentId, input.sessionId, input.metadata ?? {}, now));
    this.notice.queued(item);
    return item;
  }

  /**
   * Claim the oldest available item: never delivered, or delivered but not acknowledged for longer than
   * `reclaimOlderThanMs`. With `blockMs`, waits up to that long for one to arrive.
   */
  async poll(input: { blockMs?: number; reclaimOlderThanMs?: number; workerId?: string }): Promise<Delivery | null> {
    const now = Date.now();
    await this.tick(now);
    if (input.workerId) {
      this.sql.exec(
        "INSERT INTO pollers (worker_id, last_poll_at) VALUES (?, ?) ON CONFLICT (worker_id) DO UPDATE SET last_poll_at = excluded.last_poll_at",
        input.workerId,
        now,
      );
      this.sql.exec("DELETE FROM pollers WHERE last_poll_at < ?", now - 10 * POLLING_WINDOW_MS);
    }
    const reclaimMs = input.reclaimOlderThanMs ?? DEFAULT_RECLAIM_MS;
    const deadline = now + (input.blockMs ?? 0);
    for (;;) {
      const claimed = this.claim(reclaimMs);
      if (claimed) return claimed;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      await this.waitForWork(remaining);
    }
  }

  /** queued → starting. A second acknowledgement (a slow poller that lost a reclaim race) is a conflict. */
  async ack(workId: string): Promise<Outcome<WorkItem>> {
    const now = Date.now();
    await this.tick(now);
    const row = this.get(workId);
    if (!row) return notFound(workId);
    if (row.state !== "queued") return conflict(`work item ${workId} is ${row.state}; only a queued item can be acknowledged`);
    // The new holder's lease starts at the default; a TTL the previous holder asked for is not inherited.
    const ttl = this.defaultLeaseTtl;
    this.sql.exec(
      `UPDATE work_items SET state = 'starting', acknowledged_at = ?, delivered_at = NULL, started_at = NULL,
         latest_heartbeat_at = NULL, lease_ttl_s = ?, lease_expires_at = ? WHERE id = ?`,
      iso(now),
      ttl,
      now + ttl * 1000,
      workId,
    );
    await this.scheduleAlarm();
    return ok(toItem(this.get(workId)!));
  }

  /**
   * Extend the lease. `expectedLastHeartbeat` is the worker's optimistic-concurrency token: the value the
   * server last returned, or NO_HEARTBEAT to claim a fresh lease; a mismatch means someone else holds it.
   * `epoch` is the delivery the caller's sessions token was minted for (null for other credentials).
   */
  async heartbeat(
    workId: string,
    input: { expectedLastHeartbeat?: string | null; desiredTtlSeconds?: number | null; epoch?: number | null },
  ): Promise<Outcome<LeaseState>> {
    const now = Date.now();
    await this.tick(now);
    const row = this.get(workId);
    if (!row) return notFound(workId);
    const held: LeaseState = {
      last_heartbeat: row.latest_heartbeat_at,
      lease_extended: false,
      state: row.state,
      ttl_seconds: row.lease_ttl_s ?? this.defaultLeaseTtl,
    };
    if (row.state === "stopped") return ok({ ...held, last_heartbeat: row.latest_heartbeat_at ?? "", ttl_seconds: 0 });
    if (input.epoch != null && input.epoch < row.min_live_epoch) {
      return preconditionFailed("the lease of this delivery expired; the work item was handed to another worker", held);
    }
    if (row.state === "queued") return preconditionFailed("the work item is queued: no worker holds its lease", held);
    // A stopping item keeps its lease so the worker can drain; its heartbeat is not compared (as documented).
    if (row.state !== "stopping" && input.expectedLastHeartbeat != null) {
      const stored = row.latest_heartbeat_at ?? NO_HEARTBEAT;
      if (input.expectedLastHeartbeat !== stored) {
        return preconditionFailed("expected_last_heartbeat does not match the stored heartbeat; another worker may hold the lease", held);
      }
    }
    const ttl = clampTtl(input.desiredTtlSeconds ?? row.lease_ttl_s ?? this.defaultLeaseTtl);
    // Each heartbeat must be distinguishable from the previous one, since workers echo it back.
    let beat = now;
    if (row.latest_heartbeat_at && Date.parse(row.latest_heartbeat_at) >= beat) beat = Date.parse(row.latest_heartbeat_at) + 1;
    const state: WorkState = row.state === "stopping" ? "stopping" : "active";
    this.sql.exec(
      `UPDATE work_items SET state = ?, started_at = COALESCE(started_at, ?), latest_heartbeat_at = ?, lease_ttl_s = ?,
         lease_expires_at = ? WHERE id = ?`,
      state,
      iso(now),
      iso(beat),
      ttl,
      now + ttl * 1000,
      workId,
    );
    await this.scheduleAlarm();
    return ok({ last_heartbeat: iso(beat), lease_extended: true, state, ttl_seconds: ttl });
  }

  /**
   * A worker's stop (or a forced one) finishes the item; a user's graceful stop of a running item asks
   * its worker to drain (`stopping`), which the worker sees on its next heartbeat.
   */
  async stop(
    workId: string,
    input: { force?: boolean; requester: StopRequester; epoch?: number | null },
  ): Promise<Outcome<WorkItem>> {
    const now = Date.now();
    await this.tick(now);
    const row = this.get(workId);
    if (!row) return notFound(workId);
    if (row.state === "stopped") return conflict(`work item ${workId} is already stopped`);
    // A worker whose lease expired must not stop the item its successor now holds.
    if (input.epoch != null && input.epoch < row.min_live_epoch) {
      return conflict(`this delivery of work item ${workId} lost its lease; the item belongs to another worker`);
    }
    if (input.force || input.requester === "worker" || row.state === "queued") {
      await this.finish(row, now, input.requester === "worker");
    } else {
      this.sql.exec("UPDATE work_items SET state = 'stopping', stop_requested_at = COALESCE(stop_requested_at, ?) WHERE id = ?", iso(now), workId);
    }
    await this.scheduleAlarm();
    return ok(toItem(this.get(workId)!));
  }

  async retrieve(workId: string): Promise<WorkItem | null> {
    await this.tick(Date.now());
    const row = this.get(workId);
    return row ? toItem(row) : null;
  }

  /** Merge a metadata patch: a string upserts a key, null deletes it. */
  async updateMetadata(workId: string, patch: Record<string, string | null>): Promise<Outcome<WorkItem>> {
    const row = this.get(workId);
    if (!row) return notFound(workId);
    const metadata: Record<string, string> = JSON.parse(row.metadata);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete metadata[key];
      else metadata[key] = value;
    }
    this.sql.exec("UPDATE work_items SET metadata = ? WHERE id = ?", JSON.stringify(metadata), workId);
    return ok(toItem(this.get(workId)!));
  }

  /** Newest first, keyset-paginated on the (time-sortable) id. */
  async list(input: { limit: number; before?: string }): Promise<{ items: WorkItem[]; hasMore: boolean }> {
    await this.tick(Date.now());
    const rows = input.before
      ? this.rows("SELECT * FROM work_items WHERE id < ? ORDER BY id DESC LIMIT ?", input.before, input.limit + 1)
      : this.rows("SELECT * FROM work_items ORDER BY id DESC LIMIT ?", input.limit + 1);
    return { items: rows.slice(0, input.limit).map(toItem), hasMore: rows.length > input.limit };
  }

  async stats(): Promise<QueueStats> {
    const now = Date.now();
    await this.tick(now);
    const counts = this.sql
      .exec<{ depth: number; pending: number; oldest: string | null }>(
        `SELECT COALESCE(SUM(delivered_at IS NULL), 0) AS depth, COALESCE(SUM(delivered_at IS NOT NULL), 0) AS pending,
           MIN(created_at) AS oldest FROM work_items WHERE state = 'queued'`,
      )
      .one();
    const polling = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM pollers WHERE last_poll_at >= ?", now - POLLING_WINDOW_MS).one();
    return { depth: counts.depth, pending: counts.pending, oldest_queued_at: counts.oldest, workers_polling: polling.n };
  }

  /** Leases that ran out: a running item goes back to the queue, a draining one is finished. */
  override async alarm(): Promise<void> {
    await this.tick(Date.now());
    await this.scheduleAlarm();
  }

  // ---- internals ----

  private rows(query: string, ...bindings: unknown[]): Row[] {
    return this.sql.exec<Row>(query, ...bindings).toArray();
  }

  private get(workId: string): Row | undefined {
    return this.rows("SELECT * FROM work_items WHERE id = ?", workId)[0];
  }

  private insert(workspaceId: string, environmentId: string, sessionId: string, metadata: Record<string, string>, now: number): Row {
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
    this.wakeWaiters();
    return this.get(id)!;
  }

  private claim(reclaimMs: number): Delivery | null {
    const now = Date.now();
    const row = this.rows(
      "SELECT * FROM work_items WHERE state = 'queued' AND (delivered_at IS NULL OR delivered_at <= ?) ORDER BY id LIMIT 1",
      now - reclaimMs,
    )[0];
    if (!row) return null;
    const epoch = row.delivery + 1;
    this.sql.exec("UPDATE work_items SET delivered_at = ?, delivery = ? WHERE id = ?", now, epoch, row.id);
    this.notice.claimed(row.id);
    return { item: toItem({ ...row, delivered_at: now, delivery: epoch }), epoch };
  }

  private waitForWork(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
    });
  }

  private wakeWaiters() {
    for (const wake of [...this.waiters]) wake();
  }

  private async tick(now: number) {
    this.sweep(now);
    if (this.pendingRevocations.size) await this.flushRevocations();
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      this.sql.exec("DELETE FROM work_items WHERE state = 'stopped' AND stopped_at < ?", iso(now - STOPPED_RETENTION_MS));
    }
  }

  private lastPrune = 0;

  /**
   * Applies expired leases synchronously, so every request sees the queue as of now even if the alarm
   * has not run yet. Token revocations this causes are written to D1 by `flushRevocations`.
   */
  private sweep(now: number) {
    const expired = this.rows(
      `SELECT * FROM work_items WHERE state IN ('starting','active','stopping') AND lease_expires_at IS NOT NULL AND lease_expires_at <= ?`,
      now,
    );
    for (const row of expired) {
      if (row.state === "stopping") {
        this.finishSync(row, now, true);
        continue;
      }
      // The worker that held this lease is gone and the item waits for the next poller. Raising
      // min_live_epoch makes that worker's sessions token fail its next heartbeat with 412 (lease lost).
      this.sql.exec(
        `UPDATE work_items SET state = 'queued', delivered_at = NULL, acknowledged_at = NULL, started_at = NULL,
           latest_heartbeat_at = NULL, lease_expires_at = NULL, min_live_epoch = delivery + 1 WHERE id = ?`,
        row.id,
      );
      this.wakeWaiters();
    }
  }

  /** work id → sessions tokens of deliveries below this epoch are to be revoked in D1 (Infinity: all of them). */
  private readonly pendingRevocations = new Map<string, number>();

  private async flushRevocations() {
    const pending = [...this.pendingRevocations];
    this.pendingRevocations.clear();
    for (const [workId, belowEpoch] of pending) {
      try {
        await revokeWorkTokens(this.env.DB, workId, belowEpoch);
      } catch (err) {
        console.error(JSON.stringify({ level: "error", msg: "revoking work tokens failed", work_id: workId, error: String(err) }));
        this.pendingRevocations.set(workId, belowEpoch);
      }
    }
  }

  private async finish(row: Row, now: number, mayRequeue: boolean) {
    this.finishSync(row, now, mayRequeue);
    await this.flushRevocations();
  }

  private finishSync(row: Row, now: number, mayRequeue: boolean) {
    this.sql.exec(
      `UPDATE work_items SET state = 'stopped', stopped_at = ?, stop_requested_at = COALESCE(stop_requested_at, ?),
         lease_expires_at = NULL, delivered_at = NULL WHERE id = ?`,
      iso(now),
      iso(now),
      row.id,
    );
    this.pendingRevocations.set(row.id, Number.POSITIVE_INFINITY);
    const recentlyEnqueued = row.last_enqueue_at != null && row.last_enqueue_at >= now - REQUEUE_WINDOW_MS;
    if (mayRequeue && (row.requeue_on_stop || recentlyEnqueued)) {
      this.insert(row.workspace_id, row.environment_id, row.session_id, JSON.parse(row.metadata), now);
    }
  }

  private async scheduleAlarm() {
    const next = this.sql
      .exec<{ at: number | null }>(
        "SELECT MIN(lease_expires_at) AS at FROM work_items WHERE state IN ('starting','active','stopping') AND lease_expires_at IS NOT NULL",
      )
      .one().at;
    if (next == null) return;
    const current = await this.ctx.storage.getAlarm();
    // Never at or before now: under wrangler dev an alarm set from its own handler for a time already due
    // did not fire again (the session alarms hit this), and a lease that just lapsed is swept by this tick anyway.
    const at = Math.max(next, Date.now() + 5);
    if (current == null || current > at) await this.ctx.storage.setAlarm(at);
  }
}

const notFound = (workId: string): Outcome<never> => ({ ok: false, error: "not_found", message: `work item not found: ${workId}` });
const conflict = (message: string): Outcome<never> => ({ ok: false, error: "conflict", message });
const preconditionFailed = (message: string, lease: LeaseState): Outcome<never> => ({
  ok: false,
  error: "precondition_failed",
  message,
  lease: { ...lease, lease_extended: false },
});
