import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";
import { loadWorkspaceLimits, type WorkspaceLimits } from "../../src/limits/workspace-limits";

/** Limits are re-read from D1 this often even without an admin change (a safety net; changes push at once). */
const LIMITS_TTL_MS = 5 * 60_000;

/** The daily counters, kept per UTC day. */
type Counter = "write_bytes" | "model_tokens";

/** What the quota object grants a Worker isolate: request tokens to spend locally, and the values to check against. */
export interface Lease {
  /** Requests the isolate may admit on its own (0: the rate limit is reached; `retryAfterSeconds` says for how long). */
  granted: number;
  retryAfterSeconds: number;
  limits: WorkspaceLimits;
  modelTokensLeft: number;
  writeBytesLeft: number;
}

export type WriteAdmission = { ok: true; writeBytesLeft: number } | { ok: false; message: string; retryAfterSeconds: number };

export interface QuotaUsage {
  /** Requests the bucket could take right now (of `requests_per_minute`). */
  requests_available: number;
  write_bytes_today: number;
  model_tokens_today: number;
  /** When the daily counters start again (next UTC midnight). */
  resets_at: string;
}

/**
 * One per workspace (`idFromName(workspaceId)`): the request-rate bucket and the daily counters (write bytes,
 * model tokens). Worker isolates lease request tokens from it (src/limits/admission.ts), so admitting a request
 * costs no D1 round trip and usually no call here either. The limits themselves live in D1 (the operator's admin
 * API); this object caches them and is told when they change. The rate bucket is in memory: an eviction refills
 * it, which errs in the tenant's favour by at most one minute's worth. The daily counters are in this object's
 * SQLite and survive.
 */
export class WorkspaceQuota extends DurableObject<Env> {
  private limits?: { value: WorkspaceLimits; loadedAt: number };
  private bucket?: { tokens: number; at: number };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, day TEXT NOT NULL, value INTEGER NOT NULL)");
  }

  /**
   * Grants up to `want` request tokens from the rate bucket (and takes back the `returned` ones an isolate did
   * not use), with the limits and counters the isolate checks the requests against (src/limits/admission.ts).
   */
  async lease(workspaceId: string, request: { want: number; returned: number }): Promise<Lease> {
    const limits = await this.currentLimits(workspaceId);
    const now = Date.now();
    const rate = limits.requests_per_minute;
    const bucket = this.refill(rate, now);
    bucket.tokens = Math.min(rate, bucket.tokens + request.returned);
    const granted = Math.max(0, Math.min(request.want, Math.floor(bucket.tokens)));
    bucket.tokens -= granted;
    const perMs = rate / 60_000;
    return {
      granted,
      retryAfterSeconds: granted > 0 ? 0 : rate > 0 ? Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) : secondsToMidnight(now),
      limits,
      modelTokensLeft: Math.max(0, limits.model_tokens_per_day - this.counter("model_tokens", now)),
      writeBytesLeft: Math.max(0, limits.write_bytes_per_day - this.counter("write_bytes", now)),
    };
  }

  /** The exact check of a write's bytes against the day's limit, charging them when they fit. */
  async admitWrite(workspaceId: string, bytes: number): Promise<WriteAdmission> {
    const limits = await this.currentLimits(workspaceId);
    const now = Date.now();
    const used = this.counter("write_bytes", now);
    const cap = limits.write_bytes_per_day;
    if (used + bytes > cap) {
      return {
        ok: false,
        message: `the workspace's daily write limit (write_bytes_per_day: ${cap} bytes) would be exceeded: ${used} bytes written today, this request has ${bytes}; it resets at 00:00 UTC`,
        retryAfterSeconds: secondsToMidnight(now),
      };
    }
    this.add("write_bytes", bytes, now);
    return { ok: true, writeBytesLeft: cap - used - bytes };
  }

  private refill(rate: number, now: number) {
    const bucket = this.bucket ?? { tokens: rate, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) * rate) / 60_000);
    bucket.at = now;
    this.bucket = bucket;
    return bucket;
  }

  /** Bytes already admitted by an isolate against its cached allowance, or a chunked body counted as it was read. */
  async chargeWriteBytes(bytes: number): Promise<void> {
    if (bytes > 0) this.add("write_bytes", bytes, Date.now());
  }

  /** Sessions report the tokens each model call used (session-durable-object.ts, after the commit). */
  async recordModelTokens(tokens: number): Promise<void> {
    if (tokens > 0) this.add("model_tokens", tokens, Date.now());
  }

  async modelTokensLeft(workspaceId: string): Promise<number> {
    const limits = await this.currentLimits(workspaceId);
    return Math.max(0, limits.model_tokens_per_day - this.counter("model_tokens", Date.now()));
  }

  async usage(workspaceId: string): Promise<QuotaUsage> {
    const limits = await this.currentLimits(workspaceId);
    const now = Date.now();
    return {
      requests_available: Math.floor(this.refill(limits.requests_per_minute, now).tokens),
      write_bytes_today: this.counter("write_bytes", now),
      model_tokens_today: this.counter("model_tokens", now),
      resets_at: new Date(now + secondsToMidnight(now) * 1000).toISOString(),
    };
  }

  /** The admin API changed this workspace's limits: read them again now. */
  async limitsChanged(workspaceId: string): Promise<void> {
    this.limits = undefined;
    await this.currentLimits(workspaceId);
  }

  private async currentLimits(workspaceId: string): Promise<WorkspaceLimits> {
    if (!this.limits || Date.now() - this.limits.loadedAt > LIMITS_TTL_MS) {
      this.limits = { value: await loadWorkspaceLimits(this.env, workspaceId), loadedAt: Date.now() };
    }
    return this.limits.value;
  }

  private counter(name: Counter, now: number): number {
    const row = this.ctx.storage.sql.exec<{ day: string; value: number }>("SELECT day, value FROM counters WHERE name = ?", name).toArray()[0];
    return row && row.day === utcDay(now) ? row.value : 0;
  }

  private add(name: Counter, amount: number, now: number) {
    this.ctx.storage.sql.exec(
      `INSERT INTO counters (name, day, value) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET value = CASE WHEN day = excluded.day THEN value + excluded.value ELSE excluded.value END, day = excluded.day`,
      name,
      utcDay(now),
      amount,
    );
  }
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function secondsToMidnight(now: number): number {
  const midnight = new Date(now);
  midnight.setUTCHours(24, 0, 0, 0);
  return Math.ceil((midnight.getTime() - now) / 1000);
}

export const workspaceQuota = (env: Pick<Env, "WORKSPACE_QUOTAS">, workspaceId: string) =>
  env.WORKSPACE_QUOTAS.get(env.WORKSPACE_QUOTAS.idFromName(workspaceId));
