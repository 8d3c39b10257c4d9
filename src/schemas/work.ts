import { z } from "zod";
import type { LeaseState, QueueStats, WorkItem } from "../../durable-objects/work-queue/work-item";
import type { EnvironmentKeyRow } from "../db/schema";

/** `GET /work/poll`: `block_ms` is 1-999 (the SDK's poller sends 999); absent means non-blocking. */
export const pollQuery = z.object({
  block_ms: z.coerce.number().int().min(1).max(999).optional(),
  reclaim_older_than_ms: z.coerce.number().int().min(0).max(86_400_000).optional(),
});

/**
 * `POST /work/:id/heartbeat` query; the SDK sends `expected_last_heartbeat` on every beat. `desired_ttl_seconds` is
 * a wish, not a bound (the SDK sets no minimum or maximum): the queue clamps it to 1..MAX_LEASE_TTL_S and answers
 * with the effective `ttl_seconds`, as the hosted API does.
 */
export const heartbeatQuery = z.object({
  desired_ttl_seconds: z.coerce.number().int().min(0).optional(),
  expected_last_heartbeat: z.string().min(1).max(64).optional(),
});

/** `BetaSelfHostedWorkStopRequest`. */
export const stopBody = z.strictObject({ force: z.boolean().optional() });

const METADATA_MAX_KEYS = 16;

/** `BetaSelfHostedWorkUpdateRequest`: a merge patch; null deletes a key. */
export const updateBody = z.strictObject({
  metadata: z
    .record(z.string().min(1).max(64), z.string().max(512).nullable())
    .refine((m) => Object.keys(m).length <= METADATA_MAX_KEYS, `at most ${METADATA_MAX_KEYS} keys`),
});

/** `BetaSelfHostedWork`. `secret` is populated only by the poll that delivers the item. */
export const workJson = (item: WorkItem, secret: string | null = null) => ({
  type: "work" as const,
  id: item.id,
  environment_id: item.environment_id,
  data: { type: "session" as const, id: item.session_id },
  state: item.state,
  metadata: item.metadata,
  secret,
  created_at: item.created_at,
  acknowledged_at: item.acknowledged_at,
  started_at: item.started_at,
  latest_heartbeat_at: item.latest_heartbeat_at,
  stop_requested_at: item.stop_requested_at,
  stopped_at: item.stopped_at,
});

/** `BetaSelfHostedWorkHeartbeatResponse`. */
export const heartbeatJson = (lease: LeaseState) => ({
  type: "work_heartbeat" as const,
  last_heartbeat: lease.last_heartbeat ?? "",
  lease_extended: lease.lease_extended,
  state: lease.state,
  ttl_seconds: lease.ttl_seconds,
});

/** `BetaSelfHostedWorkQueueStats`. */
export const statsJson = (stats: QueueStats) => ({ type: "work_queue_stats" as const, ...stats });

/** Environment keys have no SDK resource; they follow the admin API keys' shape. */
export const createEnvironmentKeyBody = z.strictObject({ name: z.string().min(1).max(256).default("default") });

export const environmentKeyJson = (k: EnvironmentKeyRow) => ({
  type: "environment_key" as const,
  id: k.id,
  environment_id: k.environmentId,
  name: k.name,
  partial_key_hint: `${k.prefix}...`,
  created_at: k.createdAt,
  revoked_at: k.revokedAt,
});
