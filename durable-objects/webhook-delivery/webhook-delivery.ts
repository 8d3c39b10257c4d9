import { DurableObject } from "cloudflare:workers";
import { EndpointWatchers } from "./endpoint-watchers";
import { postSignedEvent } from "./post-signed-event";
import { and, eq } from "drizzle-orm";
import type { Env } from "../../src/env";
import { database } from "../../src/db/client";
import { newId } from "../../src/lib/ids";
import { type WebhookEndpointRow, webhookEndpoints } from "../../src/db/schema";
import type { WebhookEvent } from "../../src/webhooks/events";
import { idPage, type IdPage } from "../../src/webhooks/page";
import type { DeliveryListQuery, DeliveryStatus, WebhookDeliveryRecord } from "../../src/webhooks/deliveries";
import { MAX_ATTEMPTS, RETENTION_MS, retryDelayMs } from "../../src/webhooks/retry";

interface DeliveryRow extends Record<string, SqlStorageValue> {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  completed_at: number | null;
}

/** Deliveries attempted per alarm; a longer backlog re-arms the alarm immediately. */
const BATCH = 25;

/**
 * One per workspace: the webhook outbox. `enqueue` writes one row per subscribed endpoint
 * into this object's SQLite before the API call that caused the event returns, so an event is
 * never held only in memory. An alarm then delivers due rows, signs each attempt, and on
 * failure schedules the next attempt with exponential backoff (src/webhooks/retry.ts).
 * Every row stays listable with its status, attempts and last error.
 *
 * The alarm is the single clock: the object keeps at most one alarm, set for the earliest
 * due row. An alarm delivers everything due by the time it was *set for* (or by now, if
 * later), so one that fires early still does the work it was armed for.
 */
export class WebhookDelivery extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Rows an attempt is running for, so overlapping alarm runs never send one twice. */
  private readonly inFlight = new Set<string>();
  private readonly watchers: EndpointWatchers;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS deliveries (
        id TEXT PRIMARY KEY,
        endpoint_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        last_attempt_at INTEGER,
        last_status_code INTEGER,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        completed_at INTEGER
      );
      CREATE UNIQUE INDEX IF NOT EXISTS deliveries_endpoint_event ON deliveries (endpoint_id, event_id);
      CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    this.watchers = new EndpointWatchers(env, this.sql);
  }

  /** A session keeps a copy of the workspace's endpoints until `until` (endpoint-watchers.ts). */
  async watchEndpoints(sessionId: string, until: number): Promise<void> {
    this.watchers.watch(sessionId, until);
  }

  /** The workspace's endpoints changed (created, updated, deleted): sessions drop their copies before this returns. */
  async endpointsChanged(): Promise<void> {
    await this.watchers.changed();
  }

  /** Durably queues `event` for each endpoint. Idempotent per (endpoint, event id). */
  async enqueue(workspaceId: string, event: WebhookEvent, endpointIds: string[]): Promise<void> {
    this.setMeta("workspace_id", workspaceId);
    const now = Date.now();
    const payload = JSON.stringify(event);
    for (const endpointId of endpointIds) {
      this.sql.exec(
        `INSERT OR IGNORE INTO deliveries (id, endpoint_id, event_id, event_type, payload, status, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
        newId("whdel"),
        endpointId,
        event.id,
        event.data.type,
        payload,
        now,
        now,
      );
    }
    await this.arm();
  }

  /** An endpoint's deliveries, newest first, optionally by status. */
  async listDeliveries(endpointId: string, query: DeliveryListQuery): Promise<IdPage<WebhookDeliveryRecord>> {
    const backward = query.before_id !== undefined;
    const ascending = (query.order === "asc") !== backward;
    const cursor = query.after_id ?? query.before_id;
    const rows = this.sql
      .exec<DeliveryRow>(
        `SELECT * FROM deliveries
         WHERE endpoint_id = ?1 AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR id ${ascending ? ">" : "<"} ?3)
         ORDER BY id ${ascending ? "ASC" : "DESC"} LIMIT ?4`,
        endpointId,
        query.status ?? null,
        cursor ?? null,
        query.limit + 1,
      )
      .toArray();
    const page = idPage(rows, query.limit, backward);
    return { ...page, data: page.data.map(render) };
  }

  /** Drops a deleted endpoint's rows: nothing of it is delivered or listed any more. */
  async forgetEndpoint(endpointId: string): Promise<void> {
    this.sql.exec("DELETE FROM deliveries WHERE endpoint_id = ?", endpointId);
    await this.arm();
  }

  async alarm(): Promise<void> {
    const horizon = Math.max(Date.now(), Number(this.getMeta("armed_for") ?? 0));
    this.deleteMeta("armed_for");
    const due = this.sql
      .exec<DeliveryRow>(
        "SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
        horizon,
        BATCH,
      )
      .toArray()
      .filter((row) => !this.inFlight.has(row.id));
    const endpoints = new Map<string, Promise<WebhookEndpointRow | undefined>>();
    const endpoint = (id: string) => {
      if (!endpoints.has(id)) endpoints.set(id, this.loadEndpoint(id));
      return endpoints.get(id)!;
    };
    await Promise.all(
      due.map(async (row) => {
        this.inFlight.add(row.id);
        try {
          await this.attempt(row, await endpoint(row.endpoint_id));
        } finally {
          this.inFlight.delete(row.id);
        }
      }),
    );
    this.sql.exec("DELETE FROM deliveries WHERE status != 'pending' AND completed_at < ?", Date.now() - RETENTION_MS);
    await this.arm();
  }

  /** Sets the alarm for the earliest pending row (or clears it when nothing is pending). */
  private async arm(): Promise<void> {
    const next = this.sql
      .exec<{ at: number | null }>("SELECT MIN(next_attempt_at) AS at FROM deliveries WHERE status = 'pending'")
      .one().at;
    if (next === null) {
      this.deleteMeta("armed_for");
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current !== next) {
      this.setMeta("armed_for", String(next));
      await this.ctx.storage.setAlarm(next);
    }
  }

  private async attempt(row: DeliveryRow, endpoint: WebhookEndpointRow | undefined): Promise<void> {
    if (!endpoint) return this.finish(row, "canceled", { error: "the endpoint was deleted" });
    if (endpoint.state !== "enabled") return this.finish(row, "canceled", { error: "the endpoint is disabled" });
    const now = Date.now();
    const { statusCode, error } = await postSignedEvent(this.env, endpoint, { id: row.event_id, payload: row.payload }, now);
    const attempts = row.attempts + 1;
    const outcome = { attempts, at: now, statusCode, error };
    if (error === null) return this.finish(row, "succeeded", outcome);
    if (attempts >= MAX_ATTEMPTS) return this.finish(row, "failed", outcome);
    this.sql.exec(
      `UPDATE deliveries SET attempts = ?, last_attempt_at = ?, last_status_code = ?, last_error = ?, next_attempt_at = ?
       WHERE id = ?`,
      attempts,
      now,
      statusCode,
      error,
      now + retryDelayMs(attempts),
      row.id,
    );
  }

  private finish(
    row: DeliveryRow,
    status: Exclude<DeliveryStatus, "pending">,
    outcome: { attempts?: number; at?: number; statusCode?: number | null; error: string | null },
  ) {
    this.sql.exec(
      `UPDATE deliveries SET status = ?, attempts = ?, last_attempt_at = ?, last_status_code = ?, last_error = ?,
         next_attempt_at = NULL, completed_at = ?
       WHERE id = ?`,
      status,
      outcome.attempts ?? row.attempts,
      outcome.at ?? row.last_attempt_at,
      outcome.statusCode === undefined ? row.last_status_code : outcome.statusCode,
      outcome.error,
      Date.now(),
      row.id,
    );
  }

  /** Read at attempt time, so a new URL, a disabled state or a regenerated secret apply to retries too. */
  private async loadEndpoint(endpointId: string): Promise<WebhookEndpointRow | undefined> {
    const workspaceId = this.getMeta("workspace_id");
    if (!workspaceId) return undefined;
    const [row] = await database(this.env.DB)
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.workspaceId, workspaceId), eq(webhookEndpoints.id, endpointId)))
      .limit(1);
    return row;
  }

  private getMeta(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  private setMeta(key: string, value: string) {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  private deleteMeta(key: string) {
    this.sql.exec("DELETE FROM meta WHERE key = ?", key);
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function render(row: DeliveryRow): WebhookDeliveryRecord {
  return {
    type: "webhook_delivery",
    id: row.id,
    endpoint_id: row.endpoint_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    max_attempts: MAX_ATTEMPTS,
    created_at: iso(row.created_at)!,
    last_attempt_at: iso(row.last_attempt_at),
    next_attempt_at: row.status === "pending" ? iso(row.next_attempt_at) : null,
    completed_at: iso(row.completed_at),
    last_status_code: row.last_status_code,
    last_error: row.last_error,
  };
}
