import { principalCache } from "../middleware/principal-cache";
import { Hono, type Context } from "hono";
import { and, eq, isNull } from "drizzle-orm";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { environmentKeys } from "../db/schema";
import { badRequest, notFound } from "../lib/errors";
import { newId, newSecret, sha256Hex } from "../lib/ids";
import { pageParams, paginate } from "../lib/pagination";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";
import { requireBeta } from "../middleware/betas";
import { findEnvironment } from "../hands/environment";
import { ENVIRONMENT_KEY_PREFIX } from "../hands/tokens";
import { createEnvironmentKeyBody, environmentKeyJson } from "../schemas/work";

/**
 * Environment keys: the credential a self-hosted worker polls with (`environmentKey` in the SDK). The hosted
 * API mints them in the Console, so the SDK has no endpoint; these follow the admin API keys' shape. Only a
 * workspace API key reaches them (see middleware/auth); the full key is shown once, at creation.
 */
export const environmentKeyRoutes = new Hono<AppEnv>();
environmentKeyRoutes.use("/:environment_id/keys", requireBeta("managed-agents-2026-04-01"));
environmentKeyRoutes.use("/:environment_id/keys/*", requireBeta("managed-agents-2026-04-01"));

async function selfHostedEnvironment(c: Context<AppEnv>) {
  const id = c.req.param("environment_id")!;
  const environment = await findEnvironment(c.env.DB, c.var.workspaceId, id);
  if (!environment) throw notFound("environment", id);
  if (environment.type !== "self_hosted") throw badRequest(`environment ${id} is a cloud environment: keys are for self_hosted workers`);
  return environment;
}

function keyScope(c: Context<AppEnv>) {
  return and(
    eq(environmentKeys.workspaceId, c.var.workspaceId),
    eq(environmentKeys.environmentId, c.req.param("environment_id")!),
    eq(environmentKeys.id, c.req.param("key_id")!),
  );
}

environmentKeyRoutes.post("/:environment_id/keys", validate("json", createEnvironmentKeyBody), async (c) => {
  const environment = await selfHostedEnvironment(c);
  const key = newSecret(ENVIRONMENT_KEY_PREFIX);
  const now = nowIso();
  const row = {
    id: newId("envkey"),
    workspaceId: c.var.workspaceId,
    environmentId: environment.id,
    name: c.req.valid("json").name,
    prefix: key.slice(0, ENVIRONMENT_KEY_PREFIX.length + 6),
    hash: await sha256Hex(key),
    createdAt: now,
    updatedAt: now,
    revokedAt: null,
  };
  await database(c.env.DB).insert(environmentKeys).values(row);
  // The only time the full key leaves the server.
  return c.json({ ...environmentKeyJson(row), key }, 201);
});

environmentKeyRoutes.get("/:environment_id/keys", validate("query", pageParams), async (c) => {
  const environment = await selfHostedEnvironment(c);
  const db = database(c.env.DB);
  return c.json(
    await paginate({
      params: c.req.valid("query"),
      idColumn: environmentKeys.id,
      where: and(eq(environmentKeys.workspaceId, c.var.workspaceId), eq(environmentKeys.environmentId, environment.id)),
      fetch: (q) => db.select().from(environmentKeys).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: environmentKeyJson,
    }),
  );
});

environmentKeyRoutes.get("/:environment_id/keys/:key_id", async (c) => {
  const [row] = await database(c.env.DB).select().from(environmentKeys).where(keyScope(c)).limit(1);
  if (!row) throw notFound("environment key", c.req.param("key_id"));
  return c.json(environmentKeyJson(row));
});

/** Revoked keys fail authentication immediately; the row stays so the key can still be listed. */
environmentKeyRoutes.post("/:environment_id/keys/:key_id/revoke", async (c) => {
  const db = database(c.env.DB);
  const now = nowIso();
  await db
    .update(environmentKeys)
    .set({ revokedAt: now, updatedAt: now })
    .where(and(keyScope(c), isNull(environmentKeys.revokedAt)));
  principalCache.forget(c.req.param("key_id")!);
  const [row] = await db.select().from(environmentKeys).where(keyScope(c)).limit(1);
  if (!row) throw notFound("environment key", c.req.param("key_id"));
  return c.json(environmentKeyJson(row));
});
