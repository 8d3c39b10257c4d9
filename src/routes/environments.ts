import { Hono } from "hono";
import { and, eq, isNull } from "drizzle-orm";
import type { AppEnv } from "../env";
import { database, type Database } from "../db/client";
import { type EnvironmentRow, environments } from "../db/schema";
import { getEnvironmentRow, renderEnvironment } from "../db/queries/environments";
import { isUniqueViolation } from "../db/queries/constraints";
import { badRequest, codedBadRequest, codedNotFound, conflict } from "../lib/errors";
import { newId } from "../lib/ids";
import { paginate } from "../lib/pagination";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";
import { requireBeta } from "../middleware/betas";
import { checkMetadata } from "../schemas/agents";
import {
  environmentCreateParams,
  environmentListQuery,
  environmentUpdateParams,
  patchEnvironmentMetadata,
  resolveEnvironmentConfig,
} from "../schemas/environments";
import { emitWebhook } from "../webhooks/emit";

/**
 * `/v1/environments`: container templates (`cloud`) and self-hosted worker pools.
 * The work queue and environment keys share this prefix but live in their own routers, so the
 * beta gate is applied per route here rather than with a `*` middleware that would reach them.
 */
export const environmentRoutes = new Hono<AppEnv>();
const beta = requireBeta("managed-agents-2026-04-01");

async function loadEnvironment(db: Database, workspaceId: string, environmentId: string) {
  const row = await getEnvironmentRow(db, workspaceId, environmentId);
  if (!row) throw codedNotFound("environment_not_found", `environment not found: ${environmentId}`);
  return row;
}

/** Names are unique among a workspace's live environments (a partial unique index enforces it). */
async function writeUniqueName<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`an environment named "${name}" already exists`);
    throw err;
  }
}

environmentRoutes.post("/", beta, validate("json", environmentCreateParams), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  const now = nowIso();
  const config = resolveEnvironmentConfig(body.config);
  const row: EnvironmentRow = {
    id: newId("env"),
    workspaceId: c.var.workspaceId,
    name: body.name,
    description: body.description ?? null,
    configType: config.type,
    config,
    metadata: checkMetadata(body.metadata ?? {}),
    scope: body.scope ?? "organization",
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  await writeUniqueName(row.name, () => db.insert(environments).values(row));
  await emitWebhook(c, "environment.created", row.id);
  return c.json(renderEnvironment(row));
});

environmentRoutes.get("/", beta, validate("query", environmentListQuery), async (c) => {
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  return c.json(
    await paginate({
      params: query,
      idColumn: environments.id,
      where: and(
        eq(environments.workspaceId, c.var.workspaceId),
        query.include_archived ? undefined : isNull(environments.archivedAt),
      ),
      fetch: (q) => db.select().from(environments).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: renderEnvironment,
    }),
  );
});

environmentRoutes.get("/:environment_id", beta, async (c) => {
  const db = database(c.env.DB);
  return c.json(renderEnvironment(await loadEnvironment(db, c.var.workspaceId, c.req.param("environment_id"))));
});

environmentRoutes.post("/:environment_id", beta, validate("json", environmentUpdateParams), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  const current = await loadEnvironment(db, c.var.workspaceId, c.req.param("environment_id"));
  if (current.archivedAt) throw codedBadRequest("environment_archived", `environment ${current.id} is archived and cannot be updated`);
  const next: EnvironmentRow = {
    ...current,
    name: body.name ?? current.name,
    description: body.description === undefined ? current.description : body.description,
    config: resolveEnvironmentConfig(body.config, current.config),
    metadata: patchEnvironmentMetadata(current.metadata, body.metadata),
    scope: body.scope ?? current.scope,
    updatedAt: nowIso(),
  };
  await writeUniqueName(next.name, () =>
    db
      .update(environments)
      .set({
        name: next.name,
        description: next.description,
        config: next.config,
        metadata: next.metadata,
        scope: next.scope,
        updatedAt: next.updatedAt,
      })
      .where(and(eq(environments.workspaceId, current.workspaceId), eq(environments.id, current.id))),
  );
  await emitWebhook(c, "environment.updated", next.id);
  return c.json(renderEnvironment(next));
});

environmentRoutes.post("/:environment_id/archive", beta, async (c) => {
  const db = database(c.env.DB);
  const workspaceId = c.var.workspaceId;
  const environmentId = c.req.param("environment_id");
  const now = nowIso();
  // Terminal and idempotent: a second archive keeps the first timestamp.
  await db
    .update(environments)
    .set({ archivedAt: now, updatedAt: now })
    .where(and(eq(environments.workspaceId, workspaceId), eq(environments.id, environmentId), isNull(environments.archivedAt)));
  const archived = await loadEnvironment(db, workspaceId, environmentId);
  if (archived.archivedAt === now) await emitWebhook(c, "environment.archived", environmentId);
  return c.json(renderEnvironment(archived));
});

environmentRoutes.delete("/:environment_id", beta, async (c) => {
  const db = database(c.env.DB);
  const workspaceId = c.var.workspaceId;
  const environmentId = c.req.param("environment_id");
  const [deleted] = await db
    .delete(environments)
    .where(and(eq(environments.workspaceId, workspaceId), eq(environments.id, environmentId)))
    .returning({ id: environments.id });
  if (!deleted) throw codedNotFound("environment_not_found", `environment not found: ${environmentId}`);
  await emitWebhook(c, "environment.deleted", deleted.id);
  return c.json({ type: "environment_deleted" as const, id: deleted.id });
});
