import { Hono, type Context } from "hono";
import { and, eq, isNull, type SQL } from "drizzle-orm";
import { createdAtWithin } from "../db/created-at-bounds";
import type { AppEnv } from "../env";
import { database, type Database } from "../db/client";
import { type DeploymentRow, deployments } from "../db/schema";
import { badRequest } from "../lib/errors";
import { newId } from "../lib/ids";
import { paginate } from "../lib/pagination";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";
import { requireBeta } from "../middleware/betas";
import { findBrokenReference, pinAgent, referenceError, type DeploymentReferences } from "../deployments/references";
import { runDeployment } from "../deployments/run";
import { syncSchedule } from "../deployments/schedule";
import { findDeployment, storeResources } from "../deployments/store";
import { checkMetadata, patchMetadata } from "../schemas/agents";
import {
  deploymentCreateParams,
  deploymentListQuery,
  deploymentUpdateParams,
  renderDeployment,
  renderRun,
} from "../schemas/deployments";
import { emitWebhook } from "../webhooks/emit";
import type { WorkspaceEventType } from "../webhooks/events";

/**
 * `/v1/deployments`: an agent version bound to an environment, initial events and an optional
 * cron schedule. Every write is followed by a `sync` of the deployment's scheduler, which
 * re-reads the row and moves, keeps or clears its alarm.
 */
export const deploymentRoutes = new Hono<AppEnv>();
deploymentRoutes.use("*", requireBeta("managed-agents-2026-04-01"));

type Ctx = Context<AppEnv>;

/** Refuses a write whose references (agent, environment, vaults, files) do not exist or cannot be used. */
async function assertReferences(db: Database, workspaceId: string, refs: Partial<DeploymentReferences>) {
  const broken = await findBrokenReference(db, workspaceId, refs);
  if (broken) throw referenceError(broken);
}

function assertNotArchived(row: DeploymentRow, action: string) {
  if (row.archivedAt) throw badRequest(`deployment ${row.id} is archived and cannot be ${action}`);
}

/** After a committed write: bring the scheduler in line, then tell webhooks. */
async function written(c: Ctx, row: DeploymentRow, event: WorkspaceEventType) {
  await syncSchedule(c.env, row);
  await emitWebhook(c, event, row.id);
  return c.json(renderDeployment(row));
}

/** Pause and unpause: a conditional update, so of two racing calls only one reports the transition. */
async function transition(c: Ctx, to: "active" | "paused") {
  const db = database(c.env.DB);
  const row = await findDeployment(db, c.var.workspaceId, c.req.param("deployment_id")!);
  assertNotArchived(row, to === "paused" ? "paused" : "unpaused");
  if (row.status === to) return c.json(renderDeployment(row));
  const next: DeploymentRow = {
    ...row,
    status: to,
    pausedReason: to === "paused" ? { type: "manual" } : null,
    updatedAt: nowIso(),
  };
  const [changed] = await db
    .update(deployments)
    .set({ status: next.status, pausedReason: next.pausedReason, updatedAt: next.updatedAt })
    .where(and(eq(deployments.workspaceId, row.workspaceId), eq(deployments.id, row.id), eq(deployments.status, row.status)))
    .returning({ id: deployments.id });
  if (!changed) return c.json(renderDeployment(await findDeployment(db, row.workspaceId, row.id)));
  return written(c, next, to === "paused" ? "deployment.paused" : "deployment.unpaused");
}

deploymentRoutes.post("/", validate("json", deploymentCreateParams), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  const workspaceId = c.var.workspaceId;
  const id = newId("depl");
  const agent = await pinAgent(db, workspaceId, body.agent);
  const resources = body.resources ?? [];
  const vaultIds = body.vault_ids ?? [];
  await assertReferences(db, workspaceId, { agent, environmentId: body.environment_id, vaultIds, resources });
  const now = nowIso();
  const row: DeploymentRow = {
    id,
    workspaceId,
    name: body.name,
    description: body.description || null,
    agentId: agent.id,
    agentVersion: agent.version,
    environmentId: body.environment_id,
    initialEvents: body.initial_events,
    ...(await storeResources(c.env, { workspaceId, id }, resources)),
    vaultIds,
    metadata: checkMetadata(body.metadata ?? {}),
    budget: body.budget ?? null,
    schedule: body.schedule ?? null,
    lastRunAt: null,
    status: "active",
    pausedReason: null,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  await db.insert(deployments).values(row);
  return written(c, row, "deployment.created");
});

deploymentRoutes.get("/", validate("query", deploymentListQuery), async (c) => {
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  const filters: (SQL | undefined)[] = [
    eq(deployments.workspaceId, c.var.workspaceId),
    query.include_archived ? undefined : isNull(deployments.archivedAt),
    query.status && eq(deployments.status, query.status),
    query.agent_id ? eq(deployments.agentId, query.agent_id) : undefined,
    createdAtWithin(deployments.createdAt, query),
  ];
  const now = Date.now();
  return c.json(
    await paginate({
      params: query,
      idColumn: deployments.id,
      where: and(...filters),
      fetch: (q) => db.select().from(deployments).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: (row) => renderDeployment(row, now),
    }),
  );
});

deploymentRoutes.get("/:deployment_id", async (c) => {
  const db = database(c.env.DB);
  return c.json(renderDeployment(await findDeployment(db, c.var.workspaceId, c.req.param("deployment_id"))));
});

deploymentRoutes.post("/:deployment_id", validate("json", deploymentUpdateParams), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  const current = await findDeployment(db, c.var.workspaceId, c.req.param("deployment_id"));
  assertNotArchived(current, "updated");

  // Only what the update changes is checked: an unrelated edit must not fail on, say, an environment archived since.
  const changed: Partial<DeploymentReferences> = {};
  if (body.agent !== undefined) changed.agent = await pinAgent(db, current.workspaceId, body.agent);
  if (body.vault_ids !== undefined) changed.vaultIds = body.vault_ids ?? [];
  if (body.environment_id !== undefined || body.resources !== undefined) {
    changed.environmentId = body.environment_id ?? current.environmentId;
    changed.resources = body.resources === undefined ? current.resources : (body.resources ?? []);
  }
  await assertReferences(db, current.workspaceId, changed);

  const next: DeploymentRow = {
    ...current,
    name: body.name ?? current.name,
    description: body.description === undefined ? current.description : body.description || null,
    agentId: changed.agent?.id ?? current.agentId,
    agentVersion: changed.agent?.version ?? current.agentVersion,
    environmentId: changed.environmentId ?? current.environmentId,
    initialEvents: body.initial_events ?? current.initialEvents,
    ...(body.resources !== undefined && (await storeResources(c.env, current, body.resources ?? []))),
    vaultIds: changed.vaultIds ?? current.vaultIds,
    metadata: checkMetadata(patchMetadata(current.metadata, body.metadata)),
    budget: body.budget === undefined ? current.budget : body.budget,
    schedule: body.schedule === undefined ? current.schedule : body.schedule,
    updatedAt: nowIso(),
  };
  const { id, workspaceId, createdAt, ...changes } = next;
  await db
    .update(deployments)
    .set(changes)
    .where(and(eq(deployments.workspaceId, workspaceId), eq(deployments.id, id), isNull(deployments.archivedAt)));
  return written(c, next, "deployment.updated");
});

deploymentRoutes.post("/:deployment_id/archive", async (c) => {
  const db = database(c.env.DB);
  const workspaceId = c.var.workspaceId;
  const deploymentId = c.req.param("deployment_id");
  const now = nowIso();
  // Terminal and idempotent. Archived deployments report `active`, as the API documents.
  const [archived] = await db
    .update(deployments)
    .set({ archivedAt: now, updatedAt: now, status: "active", pausedReason: null })
    .where(and(eq(deployments.workspaceId, workspaceId), eq(deployments.id, deploymentId), isNull(deployments.archivedAt)))
    .returning({ id: deployments.id });
  const row = await findDeployment(db, workspaceId, deploymentId);
  return archived ? written(c, row, "deployment.archived") : c.json(renderDeployment(row));
});

deploymentRoutes.post("/:deployment_id/pause", (c) => transition(c, "paused"));
deploymentRoutes.post("/:deployment_id/unpause", (c) => transition(c, "active"));

/** Run now: allowed while paused (only the schedule is suspended), never pauses the deployment. */
deploymentRoutes.post("/:deployment_id/run", async (c) => {
  const db = database(c.env.DB);
  const row = await findDeployment(db, c.var.workspaceId, c.req.param("deployment_id"));
  assertNotArchived(row, "run");
  const run = await runDeployment(c.env, { waitUntil: (p) => c.executionCtx.waitUntil(p) }, row, { type: "manual" });
  return c.json(renderRun(run));
});
