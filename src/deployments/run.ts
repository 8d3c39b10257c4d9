import { and, eq, isNull } from "drizzle-orm";
import type { Env } from "../env";
import { database } from "../db/client";
import { type DeploymentRow, type DeploymentRunRow, deploymentRuns, deployments } from "../db/schema";
import { isUniqueViolation } from "../db/queries/constraints";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { nowIso } from "../lib/time";
import { pausesDeployment, type RunError } from "../schemas/deployments";
import { emitWebhookEvent, type WaitUntil } from "../webhooks/emit";
import { findBrokenReference } from "./references";
import { startSession } from "./start-session";
import { sessionResources } from "./store";

/**
 * What fired the run. A scheduled fire brings its own run id, kept by the scheduler across
 * retries of the same instant, so a retried fire reuses it as the session's idempotency key.
 */
export type RunTrigger = { type: "manual" } | { type: "schedule"; scheduledAt: string; runId?: string };

/**
 * Fires a deployment once: checks what it references, asks the session plane for a session,
 * and appends the outcome to `deployment_runs` (a session id or an error, never both).
 * A scheduled fire also records `last_run_at`, and pauses the deployment when its error would
 * only repeat on the next fire. Manual runs never pause anything.
 *
 * Returns the recorded run; for a scheduled instant that already has one (a retried fire whose
 * first attempt got as far as recording), that existing run.
 */
export async function runDeployment(
  env: Env,
  ctx: WaitUntil,
  deployment: DeploymentRow,
  trigger: RunTrigger,
): Promise<DeploymentRunRow> {
  const db = database(env.DB);
  const startedAt = nowIso();
  const runId = (trigger.type === "schedule" && trigger.runId) || newId("drun");
  const agent = { type: "agent" as const, id: deployment.agentId, version: deployment.agentVersion };
  let sessionId: string | null = null;
  let error: RunError | null = null;
  try {
    const resources = await sessionResources(env, deployment);
    const broken = await findBrokenReference(db, deployment.workspaceId, {
      agent,
      environmentId: deployment.environmentId,
      vaultIds: deployment.vaultIds,
      resources,
    });
    if (broken) {
      error = { type: broken.type, message: broken.message } as RunError;
    } else {
      ({ sessionId } = await startSession(env, {
        workspaceId: deployment.workspaceId,
        agent,
        environmentId: deployment.environmentId,
        initialEvents: deployment.initialEvents,
        resources,
        vaultIds: deployment.vaultIds,
        budget: deployment.budget,
        deploymentId: deployment.id,
        runId,
      }));
    }
  } catch (err) {
    error = runErrorFrom(err);
  }

  const run: DeploymentRunRow = {
    id: runId,
    workspaceId: deployment.workspaceId,
    deploymentId: deployment.id,
    agent,
    triggerType: trigger.type,
    scheduledAt: trigger.type === "schedule" ? trigger.scheduledAt : null,
    sessionId,
    error,
    createdAt: nowIso(),
  };
  try {
    await db.insert(deploymentRuns).values(run);
  } catch (err) {
    if (trigger.type === "schedule" && isUniqueViolation(err)) {
      const [existing] = await db
        .select()
        .from(deploymentRuns)
        .where(and(eq(deploymentRuns.deploymentId, deployment.id), eq(deploymentRuns.scheduledAt, trigger.scheduledAt)));
      return existing;
    }
    throw err;
  }

  const emit = (type: "deployment_run.started" | "deployment_run.succeeded" | "deployment_run.failed" | "deployment.paused", id: string) =>
    emitWebhookEvent(env, ctx, { workspaceId: deployment.workspaceId, type, id });
  let paused = false;
  if (trigger.type === "schedule") {
    const thisDeployment = and(eq(deployments.workspaceId, deployment.workspaceId), eq(deployments.id, deployment.id));
    await db.update(deployments).set({ lastRunAt: startedAt }).where(thisDeployment);
    if (error && pausesDeployment(error.type)) {
      // Only an active deployment is auto-paused: a manual pause or an archive in the meantime stands.
      const changed = await db
        .update(deployments)
        .set({ status: "paused", pausedReason: { type: "error", error: { type: error.type } }, updatedAt: run.createdAt })
        .where(and(thisDeployment, eq(deployments.status, "active"), isNull(deployments.archivedAt)))
        .returning({ id: deployments.id });
      paused = changed.length > 0;
    }
  }
  // Runs are recorded once their outcome is known, so `started` and its outcome go out together.
  await emit("deployment_run.started", run.id);
  await emit(error ? "deployment_run.failed" : "deployment_run.succeeded", run.id);
  if (paused) await emit("deployment.paused", deployment.id);
  return run;
}

/** A session plane failure as a run error: 429 is a rate limit, other 4xx a rejected create. */
function runErrorFrom(err: unknown): RunError {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ApiError && err.status === 429) return { type: "session_rate_limited_error", message };
  if (err instanceof ApiError && err.status >= 400 && err.status < 500) return { type: "session_creation_rejected_error", message };
  return { type: "unknown_error", message };
}
