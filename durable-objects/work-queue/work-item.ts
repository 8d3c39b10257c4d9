/** The work item as the queue stores it; the route renders it as the SDK's `BetaSelfHostedWork`. */
export type WorkState = "queued" | "starting" | "active" | "stopping" | "stopped";

export interface WorkItem {
  id: string;
  workspace_id: string;
  environment_id: string;
  session_id: string;
  state: WorkState;
  metadata: Record<string, string>;
  created_at: string;
  acknowledged_at: string | null;
  started_at: string | null;
  latest_heartbeat_at: string | null;
  stop_requested_at: string | null;
  stopped_at: string | null;
}

/** A poll's answer: the item and which delivery of it this is (the epoch its sessions token is bound to). */
export interface Delivery {
  item: WorkItem;
  epoch: number;
}

/** The lease as a heartbeat sees it (`BetaWorkLeaseState` / the heartbeat response minus `type`). */
export interface LeaseState {
  last_heartbeat: string | null;
  lease_extended: boolean;
  state: WorkState;
  ttl_seconds: number;
}

export interface QueueStats {
  depth: number;
  pending: number;
  oldest_queued_at: string | null;
  workers_polling: number | null;
}

/** Who asked to stop: a worker stopping its own item finishes it; a user's graceful stop asks the worker to drain. */
export type StopRequester = "worker" | "user";

/**
 * Errors cross the RPC boundary as values (a thrown subclass would arrive as a plain Error), and the route
 * maps each to the HTTP status the SDK expects.
 */
export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: "not_found" | "conflict"; message: string }
  | { ok: false; error: "precondition_failed"; message: string; lease: LeaseState };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const notFound = (workId: string): Outcome<never> => ({ ok: false, error: "not_found", message: `work item not found: ${workId}` });
export const conflict = (message: string): Outcome<never> => ({ ok: false, error: "conflict", message });
export const preconditionFailed = (message: string, lease: LeaseState): Outcome<never> => ({
  ok: false,
  error: "precondition_failed",
  message,
  lease: { ...lease, lease_extended: false },
});
