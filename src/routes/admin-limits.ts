import { Hono } from "hono";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { workspaceLimits } from "../db/schema";
import { validate } from "../lib/validation";
import { nowIso } from "../lib/time";
import { countSessions } from "../limits/session-capacity";
import { LIMIT_COLUMNS, LIMIT_NAMES, defaultLimits, findLimitsRow, limitsPatch, overridesOf } from "../limits/workspace-limits";
import { workspaceQuota } from "../../durable-objects/workspace-quota/workspace-quota";
import { findWorkspace } from "../db/queries/workspaces";
import { forgetLease } from "../limits/admission";
import { storedBytes } from "../limits/storage-quota";

/**
 * The operator's view of a workspace's limits: `GET /admin/workspaces/:id/limits` shows the limits in force,
 * which of them the operator set, the defaults and the current usage; `POST` with any limit names sets them
 * (null returns one to the default). Stored in D1 (`workspace_limits`); the workspace's quota object is told at once.
 */
export const adminLimitRoutes = new Hono<AppEnv>();

async function limitsJson(env: AppEnv["Bindings"], workspaceId: string) {
  const [row, sessions, quota, storage] = await Promise.all([
    findLimitsRow(env, workspaceId),
    countSessions(env.DB, workspaceId),
    workspaceQuota(env, workspaceId).usage(workspaceId),
    storedBytes(env, workspaceId),
  ]);
  const defaults = defaultLimits(env);
  const overrides = overridesOf(row);
  return {
    type: "workspace_limits" as const,
    workspace_id: workspaceId,
    limits: { ...defaults, ...overrides },
    overrides,
    defaults,
    usage: { ...sessions, ...quota, storage_bytes: storage },
    updated_at: row?.updatedAt ?? null,
  };
}

adminLimitRoutes.get("/:workspace_id/limits", async (c) => {
  const workspace = await findWorkspace(database(c.env.DB), c.req.param("workspace_id"));
  return c.json(await limitsJson(c.env, workspace.id));
});

adminLimitRoutes.post("/:workspace_id/limits", validate("json", limitsPatch), async (c) => {
  const db = database(c.env.DB);
  const workspace = await findWorkspace(db, c.req.param("workspace_id"));
  const patch = c.req.valid("json");
  const set: Partial<typeof workspaceLimits.$inferInsert> = { updatedAt: nowIso() };
  for (const name of LIMIT_NAMES) if (patch[name] !== undefined) set[LIMIT_COLUMNS[name]] = patch[name];
  await db
    .insert(workspaceLimits)
    .values({ workspaceId: workspace.id, ...set, updatedAt: set.updatedAt! })
    .onConflictDoUpdate({ target: workspaceLimits.workspaceId, set });
  await workspaceQuota(c.env, workspace.id).limitsChanged(workspace.id);
  // This isolate at once; the others within a lease (admission.ts: LEASE_MS).
  forgetLease(workspace.id);
  return c.json(await limitsJson(c.env, workspace.id));
});
