import type { LeaseState } from "./work-item";
import type { WorkItemRow } from "./work-item-table";

/** Lease TTL when the worker asks for none: the hosted API's default, which the SDK's send-retry window mirrors. */
export const DEFAULT_LEASE_TTL_S = 300;
export const MAX_LEASE_TTL_S = 3600;
/** What a worker sends as `expected_last_heartbeat` to claim a lease nobody has heartbeated yet. */
const NO_HEARTBEAT = "NO_HEARTBEAT";

export const clampTtl = (ttl: number) => Math.min(MAX_LEASE_TTL_S, Math.max(1, Math.floor(ttl)));

/** The lease of a worker that asks for none: WORK_LEASE_TTL_SECONDS when set, else the hosted API's 300 s. */
export const defaultLeaseTtl = (configured: string | undefined): number => {
  const seconds = Number(configured);
  return seconds > 0 ? clampTtl(seconds) : DEFAULT_LEASE_TTL_S;
};

/**
 * Why this heartbeat may not extend the lease, or null when it may. `expectedLastHeartbeat` is the worker's
 * optimistic-concurrency token: the value the server last returned, or NO_HEARTBEAT to claim a fresh lease; a
 * mismatch means someone else holds it. `epoch` is the delivery the caller's sessions token was minted for.
 */
export function heartbeatRefusal(
  row: WorkItemRow,
  input: { expectedLastHeartbeat?: string | null; epoch?: number | null },
): string | null {
  if (input.epoch != null && input.epoch < row.min_live_epoch) {
    return "the lease of this delivery expired; the work item was handed to another worker";
  }
  if (row.state === "queued") return "the work item is queued: no worker holds its lease";
  // A stopping item keeps its lease so the worker can drain; its heartbeat is not compared (as documented).
  if (row.state !== "stopping" && input.expectedLastHeartbeat != null) {
    const stored = row.latest_heartbeat_at ?? NO_HEARTBEAT;
    if (input.expectedLastHeartbeat !== stored) {
      return "expected_last_heartbeat does not match the stored heartbeat; another worker may hold the lease";
    }
  }
  return null;
}

/** The new heartbeat (ms epoch): now, but always later than the previous one, since workers echo it back as a token. */
export function nextHeartbeat(previous: string | null, now: number): number {
  if (previous && Date.parse(previous) >= now) return Date.parse(previous) + 1;
  return now;
}

/** The lease as the heartbeat route reports it when no worker may extend it. */
export const heldLease = (row: WorkItemRow, defaultTtl: number): LeaseState => ({
  last_heartbeat: row.latest_heartbeat_at,
  lease_extended: false,
  state: row.state,
  ttl_seconds: row.lease_ttl_s ?? defaultTtl,
});
