import type { Env } from "../env";
import type { DeploymentRow } from "../db/schema";
import { nextRuns, parseCron } from "./cron";

/** The next scheduled fire of a deployment, as its scheduler keeps it. */
export interface FirePlan {
  /** The cron instant (epoch ms): what the run records as `scheduled_at`. */
  scheduledAt: number;
  /** When the alarm goes off: the instant plus this deployment's jitter. */
  fireAt: number;
  /** The schedule the plan was computed from; a different one means re-plan. */
  expression: string;
  timezone: string;
}

/** Up to this much after its instant a fire starts, so deployments sharing a cron line do not all start in the same second. */
const MAX_JITTER_MS = 30_000;

/** A stable per-deployment offset in [0, 30 s): the "small per-schedule jitter" the API describes. */
export function jitterMs(deploymentId: string): number {
  let hash = 2166136261;
  for (let i = 0; i < deploymentId.length; i++) hash = Math.imul(hash ^ deploymentId.charCodeAt(i), 16777619);
  return (hash >>> 0) % MAX_JITTER_MS;
}

/** Whether the deployment's schedule should be firing: scheduled, active and not archived. */
export const isSchedulable = (row: DeploymentRow | undefined): row is DeploymentRow & { schedule: NonNullable<DeploymentRow["schedule"]> } =>
  !!row && !!row.schedule && row.status === "active" && !row.archivedAt;

/** The first fire strictly after `after`, or null when the deployment should not fire at all. */
export function planNextFire(row: DeploymentRow | undefined, after: number): FirePlan | null {
  if (!isSchedulable(row)) return null;
  const { expression, timezone } = row.schedule;
  const [scheduledAt] = nextRuns(parseCron(expression), timezone, after);
  if (scheduledAt === undefined) return null;
  return { scheduledAt, fireAt: scheduledAt + jitterMs(row.id), expression, timezone };
}

export const deploymentScheduler = (env: Env, deploymentId: string) =>
  env.DEPLOYMENT_SCHEDULERS.get(env.DEPLOYMENT_SCHEDULERS.idFromName(deploymentId));

/** After any write to a deployment: its scheduler re-reads it and sets, keeps or clears its alarm. */
export function syncSchedule(env: Env, row: Pick<DeploymentRow, "workspaceId" | "id">): Promise<void> {
  return deploymentScheduler(env, row.id).sync(row.workspaceId, row.id);
}
