import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";
import { HandsNotice } from "./hands-notice";
import { clampTtl, defaultLeaseTtl, heartbeatRefusal, heldLease, nextHeartbeat } from "./lease";
import { LongPollWaiters } from "./long-poll-waiters";
import { PollerRegistry } from "./pollers";
import { PendingTokenRevocations } from "./token-revocations";
import {
  conflict,
  notFound,
  ok,
  preconditionFailed,
  type Delivery,
  type LeaseState,
  type Outcome,
  type QueueStats,
  type StopRequester,
  type WorkItem,
  type WorkState,
} from "./work-item";
import { iso, toWorkItem, WorkItemTable, type WorkItemRow } from "./work-item-table";

/** A delivered item nobody acknowledged within this long may be handed to the next poller (the API's default). */
export const DEFAULT_RECLAIM_MS = 5000;
/**
 * A worker stops its item once the session has been idle for its `maxIdleMs` (60 s by default). Tool uses
 * enqueued this close to that stop may have landed after the runner decided to leave, so the session gets
 * a fresh item rather than waiting for the brain to re-dispatch.
 */
const REQUEUE_WINDOW_MS = 60_000;
/** Stopped items stay listable this long, then go: the queue must not grow with every session ever served. */
const STOPPED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * One per self-hosted environment (`idFromName(environmentId)`): the work queue the SDK's EnvironmentWorker
 * polls. Items live in this object's SQLite; leases expire by alarm, and an expired lease puts the item back
 * in the queue for the next poller. Long polls wait in memory for an enqueue instead of spinning.
 */
export class EnvironmentWorkQueue extends DurableObject<Env> {
  private readonly items: WorkItemTable;
  private readonly pollers: PollerRegistry;
  private readonly waiters = new LongPollWaiters();
  private readonly revocations: PendingTokenRevocations;
  private readonly defaultLeaseTtl: number;
  /** Sessions whose items wait for a free worker hear so, and hear when one claims them. */
  private readonly notice: HandsNotice;
  private lastPrune = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.items = new WorkItemTable(ctx.storage.sql);
    this.pollers = new PollerRegistry(ctx.storage.sql);
    this.revocations = new PendingTokenRevocations(env.DB);
    this.defaultLeaseTtl = defaultLeaseTtl(env.WORK_LEASE_TTL_SECONDS);
    this.notice = new HandsNotice(env, ctx, (id) => this.items.get(id)?.state === "queued" && this.items.get(id)?.delivered_at === null);
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
    const live = this.items.liveForSession(input.sessionId);
    if (live) {
      if (live.state === "stopping") this.items.markRequeueOnStop(live.id);
      else if (live.state !== "queued") this.items.markEnqueuedAgain(live.id, now);
      return toWorkItem(live);
    }
    const item = toWorkItem(this.queue(input.workspaceId, input.environmentId, input.sessionId, input.metadata ?? {}, now));
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
    if (input.workerId) this.pollers.seen(input.workerId, now);
    const reclaimMs = input.reclaimOlderThanMs ?? DEFAULT_RECLAIM_MS;
    const deadline = now + (input.blockMs ?? 0);
    for (;;) {
      const claimed = this.claim(reclaimMs);
      if (claimed) return claimed;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      await this.waiters.wait(remaining);
    }
  }

  /** queued → starting. A second acknowledgement (a slow poller that lost a reclaim race) is a conflict. */
  async ack(workId: string): Promise<Outcome<WorkItem>> {
    const now = Date.now();
    await this.tick(now);
    const row = this.items.get(workId);
    if (!row) return notFound(workId);
    if (row.state !== "queued") return conflict(`work item ${workId} is ${row.state}; only a queued item can be acknowledged`);
    // The new holder's lease starts at the default; a TTL the previous holder asked for is not inherited.
    this.items.markAcknowledged(workId, now, this.defaultLeaseTtl);
    await this.scheduleAlarm();
    return ok(toWorkItem(this.items.get(workId)!));
  }

  /** Extend the lease, if the caller still holds it (see `heartbeatRefusal` for what it sends to prove that). */
  async heartbeat(
    workId: string,
    input: { expectedLastHeartbeat?: string | null; desiredTtlSeconds?: number | null; epoch?: number | null },
  ): Promise<Outcome<LeaseState>> {
    const now = Date.now();
    await this.tick(now);
    const row = this.items.get(workId);
    if (!row) return notFound(workId);
    const held = heldLease(row, this.defaultLeaseTtl);
    if (row.state === "stopped") return ok({ ...held, last_heartbeat: row.latest_heartbeat_at ?? "", ttl_seconds: 0 });
    const refusal = heartbeatRefusal(row, input);
    if (refusal) return preconditionFailed(refusal, held);
    const ttlSeconds = clampTtl(input.desiredTtlSeconds ?? row.lease_ttl_s ?? this.defaultLeaseTtl);
    const beat = nextHeartbeat(row.latest_heartbeat_at, now);
    const state: WorkState = row.state === "stopping" ? "stopping" : "active";
    this.items.markHeartbeat(workId, { state, now, beat, ttlSeconds });
    await this.scheduleAlarm();
    return ok({ last_heartbeat: iso(beat), lease_extended: true, state, ttl_seconds: ttlSeconds });
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
    const row = this.items.get(workId);
    if (!row) return notFound(workId);
    if (row.state === "stopped") return conflict(`work item ${workId} is already stopped`);
    // A worker whose lease expired must not stop the item its successor now holds.
    if (input.epoch != null && input.epoch < row.min_live_epoch) {
      return conflict(`this delivery of work item ${workId} lost its lease; the item belongs to another worker`);
    }
    if (input.force || input.requester === "worker" || row.state === "queued") {
      this.finish(row, now, input.requester === "worker");
      await this.revocations.flush();
    } else {
      this.items.markStopping(workId, now);
    }
    await this.scheduleAlarm();
    return ok(toWorkItem(this.items.get(workId)!));
  }

  async retrieve(workId: string): Promise<WorkItem | null> {
    await this.tick(Date.now());
    const row = this.items.get(workId);
    return row ? toWorkItem(row) : null;
  }

  /** Merge a metadata patch: a string upserts a key, null deletes it. */
  async updateMetadata(workId: string, patch: Record<string, string | null>): Promise<Outcome<WorkItem>> {
    const row = this.items.get(workId);
    if (!row) return notFound(workId);
    const metadata: Record<string, string> = JSON.parse(row.metadata);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete metadata[key];
      else metadata[key] = value;
    }
    this.items.setMetadata(workId, metadata);
    return ok(toWorkItem(this.items.get(workId)!));
  }

  /** Newest first, keyset-paginated on the (time-sortable) id. */
  async list(input: { limit: number; before?: string }): Promise<{ items: WorkItem[]; hasMore: boolean }> {
    await this.tick(Date.now());
    const rows = this.items.page(input.limit, input.before);
    return { items: rows.slice(0, input.limit).map(toWorkItem), hasMore: rows.length > input.limit };
  }

  async stats(): Promise<QueueStats> {
    const now = Date.now();
    await this.tick(now);
    const counts = this.items.queuedCounts();
    return { depth: counts.depth, pending: counts.pending, oldest_queued_at: counts.oldest, workers_polling: this.pollers.pollingAt(now) };
  }

  /** Leases that ran out: a running item goes back to the queue, a draining one is finished. */
  override async alarm(): Promise<void> {
    await this.tick(Date.now());
    await this.scheduleAlarm();
  }

  // ---- internals ----

  /** A new queued item; pollers waiting for work wake to claim it. */
  private queue(workspaceId: string, environmentId: string, sessionId: string, metadata: Record<string, string>, now: number): WorkItemRow {
    const row = this.items.insert(workspaceId, environmentId, sessionId, metadata, now);
    this.waiters.wakeAll();
    return row;
  }

  private claim(reclaimMs: number): Delivery | null {
    const now = Date.now();
    const row = this.items.oldestClaimable(now - reclaimMs);
    if (!row) return null;
    const epoch = row.delivery + 1;
    this.items.markDelivered(row.id, now, epoch);
    this.notice.claimed(row.id);
    return { item: toWorkItem({ ...row, delivered_at: now, delivery: epoch }), epoch };
  }

  /** Brings the queue up to `now` before any request reads it: expired leases, owed revocations, old items. */
  private async tick(now: number) {
    this.sweep(now);
    if (this.revocations.any) await this.revocations.flush();
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      this.items.deleteStoppedBefore(now - STOPPED_RETENTION_MS);
    }
  }

  /**
   * Applies expired leases synchronously, so every request sees the queue as of now even if the alarm
   * has not run yet. Token revocations this causes are written to D1 by the revocations' flush.
   */
  private sweep(now: number) {
    for (const row of this.items.leasesExpiredBy(now)) {
      if (row.state === "stopping") {
        this.finish(row, now, true);
        continue;
      }
      // The worker that held this lease is gone and the item waits for the next poller.
      this.items.requeueExpired(row.id);
      this.waiters.wakeAll();
    }
  }

  /** Stops the item and owes the revocation of its tokens; work enqueued while it wound down gets a fresh item. */
  private finish(row: WorkItemRow, now: number, mayRequeue: boolean) {
    this.items.markStopped(row.id, now);
    this.revocations.revokeAll(row.id);
    const recentlyEnqueued = row.last_enqueue_at != null && row.last_enqueue_at >= now - REQUEUE_WINDOW_MS;
    if (mayRequeue && (row.requeue_on_stop || recentlyEnqueued)) {
      this.queue(row.workspace_id, row.environment_id, row.session_id, JSON.parse(row.metadata), now);
    }
  }

  private async scheduleAlarm() {
    const next = this.items.nextLeaseExpiry();
    if (next == null) return;
    const current = await this.ctx.storage.getAlarm();
    // Never at or before now: under wrangler dev an alarm set from its own handler for a time already due
    // did not fire again (the session alarms hit this), and a lease that just lapsed is swept by this tick anyway.
    const at = Math.max(next, Date.now() + 5);
    if (current == null || current > at) await this.ctx.storage.setAlarm(at);
  }
}
