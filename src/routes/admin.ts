import { principalCache } from "../middleware/principal-cache";
import { Hono } from "hono";
import { z } from "zod";
import { and, eq, isNull } from "drizzle-orm";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { apiKeys, workspaces } from "../db/schema";
import { requireAdminToken } from "../middleware/auth";
import { jsonBody } from "../middleware/json-body";
import { notFound } from "../lib/errors";
import { findWorkspace } from "../db/queries/workspaces";
import { adminLimitRoutes } from "./admin-limits";
import { newId, newSecret, sha256Hex } from "../lib/ids";
import { pageParams, paginate } from "../lib/pagination";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";

/**
 * The operator's API: workspaces (tenants) and their API keys. Guarded by ADMIN_TOKEN,
 * so a SaaS builder can mint a workspace and key per customer from their own backend.
 */
export const adminRoutes = new Hono<AppEnv>();
adminRoutes.use("*", requireAdminToken, jsonBody);
adminRoutes.route("/workspaces", adminLimitRoutes);

const workspaceJson = (w: typeof workspaces.$inferSelect) => ({
  type: "workspace" as const,
  id: w.id,
  name: w.name,
  created_at: w.createdAt,
});

const apiKeyJson = (k: typeof apiKeys.$inferSelect) => ({
  type: "api_key" as const,
  id: k.id,
  workspace_id: k.workspaceId,
  name: k.name,
  partial_key_hint: `${k.prefix}...`,
  created_at: k.createdAt,
  revoked_at: k.revokedAt,
});

async function mintKey(db: ReturnType<typeof database>, workspaceId: string, name: string) {
  const key = newSecret("sk-ma-");
  const row = {
    id: newId("apikey"),
    workspaceId,
    name,
    prefix: key.slice(0, 12),
    hash: await sha256Hex(key),
    createdAt: nowIso(),
    revokedAt: null,
  };
  await db.insert(apiKeys).values(row);
  // The only time the full key leaves the server.
  return { ...apiKeyJson(row), key };
}

const createWorkspace = z.strictObject({
  name: z.string().min(1).max(256),
  /** Also mint a first API key, returned once in `api_key`. */
  create_api_key: z.boolean().default(true),
});

adminRoutes.post("/workspaces", validate("json", createWorkspace), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  const workspace = { id: newId("wrkspc"), name: body.name, createdAt: nowIso() };
  await db.insert(workspaces).values(workspace);
  const apiKey = body.create_api_key ? await mintKey(db, workspace.id, "default") : undefined;
  return c.json({ ...workspaceJson(workspace), ...(apiKey && { api_key: apiKey }) }, 201);
});

adminRoutes.get("/workspaces", validate("query", pageParams), async (c) => {
  const db = database(c.env.DB);
  return c.json(
    await paginate({
      params: c.req.valid("query"),
      idColumn: workspaces.id,
      fetch: (q) => db.select().from(workspaces).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: workspaceJson,
    }),
  );
});

adminRoutes.get("/workspaces/:workspace_id", async (c) => {
  return c.json(workspaceJson(await findWorkspace(database(c.env.DB), c.req.param("workspace_id"))));
});

const createKey = z.strictObject({ name: z.string().min(1).max(256).default("default") });

adminRoutes.post("/workspaces/:workspace_id/api_keys", validate("json", createKey), async (c) => {
  const db = database(c.env.DB);
  const workspace = await findWorkspace(db, c.req.param("workspace_id"));
  return c.json(await mintKey(db, workspace.id, c.req.valid("json").name), 201);
});

adminRoutes.get("/workspaces/:workspace_id/api_keys", validate("query", pageParams), async (c) => {
  const db = database(c.env.DB);
  const workspace = await findWorkspace(db, c.req.param("workspace_id"));
  return c.json(
    await paginate({
      params: c.req.valid("query"),
      idColumn: apiKeys.id,
      where: eq(apiKeys.workspaceId, workspace.id),
      fetch: (q) => db.select().from(apiKeys).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: apiKeyJson,
    }),
  );
});

adminRoutes.post("/workspaces/:workspace_id/api_keys/:key_id/revoke", async (c) => {
  const db = database(c.env.DB);
  const workspaceId = c.req.param("workspace_id");
  const keyId = c.req.param("key_id");
  const match = and(eq(apiKeys.id, keyId), eq(apiKeys.workspaceId, workspaceId));
  await db.update(apiKeys).set({ revokedAt: nowIso() }).where(and(match, isNull(apiKeys.revokedAt)));
  principalCache.forget(keyId);
  const [row] = await db.select().from(apiKeys).where(match).limit(1);
  if (!row) throw notFound("api_key", keyId);
  return c.json(apiKeyJson(row));
});
