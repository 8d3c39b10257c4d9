import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import type { WorkspaceLimits } from "./workspace-limits";
import { workspaceQuota, type Lease } from "../../durable-objects/workspace-quota/workspace-quota";

/**
 * Admission of API requests without a round trip per request. The workspace's quota object owns the rate bucket
 * and the daily counters; each Worker isolate leases a few seconds' worth of request tokens from it and spends
 * them locally, along with the limits and counters the lease carried. So a busy isolate calls the quota object
 * about once per LEASE_MS per workspace, and the hot path (events.send) usually makes no call at all.
 *
 * What that costs in exactness: the rate limit is exact (tokens are only ever granted by the one bucket; unused
 * ones are handed back); a write is checked against the isolate's copy of the day's allowance and charged to the
 * object off the request's path, so isolates running at once can together pass `write_bytes_per_day` by what
 * they admit within LEASE_MS; the model-token count an isolate checks is up to LEASE_MS old.
 */
const LEASE_MS = 5_000;
/** Isolate memory is bounded: the least recently leased workspaces are forgotten first. */
const MAX_LEASES = 1_000;

interface CachedLease extends Omit<Lease, "granted" | "retryAfterSeconds"> {
  tokens: number;
  expiresAt: number;
}

const leases = new Map<string, CachedLease>();

/** The limits in force for an admitted request, for the routes that apply their own (sessions, events, turns). */
export interface Admitted {
  limits: WorkspaceLimits;
  modelTokensLeft: number;
  /** Bytes admitted against this isolate's copy of the allowance, for the caller to charge to the object once the route is done. */
  uncharged: number;
}

/** Drops this isolate's lease (the admin API changed the limits: the next request reads them afresh). */
export const forgetLease = (workspaceId: string) => leases.delete(workspaceId);

/**
 * Admits one request (`writeBytes`: its declared body size, 0 for a read) or throws the 429 naming the limit. Bytes
 * admitted from the isolate's copy come back as `uncharged`: charged once the route is done (`chargeWriteBytes`), so
 * the quota object's call never runs beside the request it counts.
 */
export async function admitRequest(env: Pick<Env, "WORKSPACE_QUOTAS">, workspaceId: string, writeBytes: number): Promise<Admitted> {
  const quota = workspaceQuota(env, workspaceId);
  const lease = await currentLease(quota, workspaceId);
  lease.tokens -= 1;
  let uncharged = 0;
  if (writeBytes > 0) {
    if (writeBytes <= lease.writeBytesLeft) {
      lease.writeBytesLeft -= writeBytes;
      uncharged = writeBytes;
    } else {
      // Past this isolate's copy of the allowance: the object decides, exactly.
      const write = await quota.admitWrite(workspaceId, writeBytes);
      if (!write.ok) throw rateLimited(write.message, write.retryAfterSeconds);
      lease.writeBytesLeft = write.writeBytesLeft;
    }
  }
  return { limits: lease.limits, modelTokensLeft: lease.modelTokensLeft, uncharged };
}

/** Charges bytes a request wrote to the workspace's day (off the request's path: a failure is logged, not thrown). */
export function chargeWriteBytes(env: Pick<Env, "WORKSPACE_QUOTAS">, workspaceId: string, bytes: number): Promise<void> {
  return workspaceQuota(env, workspaceId).chargeWriteBytes(bytes).catch(logFailure);
}

async function currentLease(quota: ReturnType<typeof workspaceQuota>, workspaceId: string): Promise<CachedLease> {
  const now = Date.now();
  const cached = leases.get(workspaceId);
  if (cached && cached.expiresAt > now && cached.tokens >= 1) return cached;
  const returned = cached ? Math.floor(cached.tokens) : 0;
  // A lease is LEASE_MS of the workspace's rate; a first one, before the rate is known, is one request.
  const want = cached ? Math.max(1, Math.ceil((cached.limits.requests_per_minute * LEASE_MS) / 60_000)) : 1;
  const { granted, retryAfterSeconds, ...values } = await quota.lease(workspaceId, { want, returned });
  leases.delete(workspaceId);
  if (granted === 0) {
    // Kept (with no tokens) so the next lease is sized for the rate, not for one request.
    leases.set(workspaceId, { ...values, tokens: 0, expiresAt: 0 });
    throw rateLimited(
      `the workspace's request rate limit (requests_per_minute: ${values.limits.requests_per_minute}) is exceeded; retry in ${retryAfterSeconds}s`,
      retryAfterSeconds,
    );
  }
  const lease = { ...values, tokens: granted, expiresAt: now + LEASE_MS };
  leases.set(workspaceId, lease);
  if (leases.size > MAX_LEASES) leases.delete(leases.keys().next().value!);
  return lease;
}

/** A 429 `rate_limit_error`; `retry-after` travels in the error's fields for the middleware to set. */
export class RateLimited extends ApiError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super("rate_limit_error", message);
  }
}

const rateLimited = (message: string, retryAfterSeconds: number) => new RateLimited(message, retryAfterSeconds);

const logFailure = (err: unknown) => console.error(JSON.stringify({ level: "error", message: "charging write bytes failed", error: String(err) }));
