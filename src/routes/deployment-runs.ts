import { Hono } from "hono";
import { and, eq, isNotNull, isNull, type SQL } from "drizzle-orm";
import { createdAtWithin } from "../db/created-at-bounds";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { deploymentRuns } from "../db/schema";
import { notFound } from "../lib/errors";
import { paginate } from "../lib/pagination";
import { validate } from "../lib/validation";
import { requireBeta } from "../middleware/betas";
import { deploymentRunListQuery, renderRun } from "../schemas/deployments";

/** `/v1/deployment_runs`: the append-only record of every fire, across the workspace's deployments. */
export const deploymentRunRoutes = new Hono<AppEnv>();
deploymentRunRoutes.use("*", requireBeta("managed-agents-2026-04-01"));

deploymentRunRoutes.get("/", validate("query", deploymentRunListQuery), async (c) => {
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  const filters: (SQL | undefined)[] = [
    eq(deploymentRuns.workspaceId, c.var.workspaceId),
    // An unknown deployment id (or another workspace's) simply matches nothing.
    query.deployment_id ? eq(deploymentRuns.deploymentId, query.deployment_id) : undefined,
    query.trigger_type ? eq(deploymentRuns.triggerType, query.trigger_type) : undefined,
    query.has_error === undefined ? undefined : query.has_error ? isNotNull(deploymentRuns.error) : isNull(deploymentRuns.error),
    createdAtWithin(deploymentRuns.createdAt, query),
  ];
  return c.json(
    await paginate({
      params: query,
      idColumn: deploymentRuns.id,
      where: and(...filters),
      fetch: (q) => db.select().from(deploymentRuns).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: renderRun,
    }),
  );
});

deploymentRunRoutes.get("/:deployment_run_id", async (c) => {
  const db = database(c.env.DB);
  const runId = c.req.param("deployment_run_id");
  const [row] = await db
    .select()
    .from(deploymentRuns)
    .where(and(eq(deploymentRuns.workspaceId, c.var.workspaceId), eq(deploymentRuns.id, runId)))
    .limit(1);
  if (!row) throw notFound("deployment run", runId);
  return c.json(renderRun(row));
});
