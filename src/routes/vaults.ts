import { Hono } from "hono";
import { and, eq, isNull } from "drizzle-orm";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { vaultCredentials, vaults } from "../db/schema";
import { findVault } from "../db/queries/vaults";
import { requireBeta } from "../middleware/betas";
import { badRequest } from "../lib/errors";
import { newId } from "../lib/ids";
import { paginate } from "../lib/pagination";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";
import { createVault, listQuery, patchMetadata, updateVault, vaultJson } from "../schemas/vaults";
import { emitWebhook } from "../webhooks/emit";

/** /v1/vaults: named collections of credentials that sessions reference by id. */
export const vaultRoutes = new Hono<AppEnv>();
vaultRoutes.use("*", requireBeta("managed-agents-2026-04-01"));

vaultRoutes.post("/", validate("json", createVault), async (c) => {
  const body = c.req.valid("json");
  const now = nowIso();
  const row = {
    id: newId("vlt"),
    workspaceId: c.var.workspaceId,
    displayName: body.display_name,
    metadata: body.metadata ?? {},
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  await database(c.env.DB).insert(vaults).values(row);
  await emitWebhook(c, "vault.created", row.id);
  return c.json(vaultJson(row));
});

vaultRoutes.get("/", validate("query", listQuery), async (c) => {
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  return c.json(
    await paginate({
      params: query,
      idColumn: vaults.id,
      where: and(eq(vaults.workspaceId, c.var.workspaceId), query.include_archived ? undefined : isNull(vaults.archivedAt)),
      fetch: (q) => db.select().from(vaults).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: vaultJson,
    }),
  );
});

vaultRoutes.get("/:vault_id", async (c) => {
  return c.json(vaultJson(await findVault(database(c.env.DB), c.var.workspaceId, c.req.param("vault_id"))));
});

vaultRoutes.post("/:vault_id", validate("json", updateVault), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  const vault = await findVault(db, c.var.workspaceId, c.req.param("vault_id"));
  if (vault.archivedAt) throw badRequest(`vault ${vault.id} is archived and can no longer be updated`);
  const next = {
    ...vault,
    displayName: body.display_name ?? vault.displayName,
    metadata: patchMetadata(vault.metadata, body.metadata),
    updatedAt: nowIso(),
  };
  await db
    .update(vaults)
    .set({ displayName: next.displayName, metadata: next.metadata, updatedAt: next.updatedAt })
    .where(and(eq(vaults.id, vault.id), eq(vaults.workspaceId, vault.workspaceId)));
  return c.json(vaultJson(next));
});

vaultRoutes.delete("/:vault_id", async (c) => {
  const db = database(c.env.DB);
  const vault = await findVault(db, c.var.workspaceId, c.req.param("vault_id"));
  const inVault = and(eq(vaultCredentials.vaultId, vault.id), eq(vaultCredentials.workspaceId, vault.workspaceId));
  await db.batch([
    db.delete(vaultCredentials).where(inVault),
    db.delete(vaults).where(and(eq(vaults.id, vault.id), eq(vaults.workspaceId, vault.workspaceId))),
  ]);
  await emitWebhook(c, "vault.deleted", vault.id);
  return c.json({ type: "vault_deleted" as const, id: vault.id });
});

/**
 * Archiving is one way and cascades: every active credential of the vault is archived with
 * it and its secrets purged, so an archived vault can no longer authenticate anything.
 */
vaultRoutes.post("/:vault_id/archive", async (c) => {
  const db = database(c.env.DB);
  const vault = await findVault(db, c.var.workspaceId, c.req.param("vault_id"));
  if (vault.archivedAt) return c.json(vaultJson(vault));
  const now = nowIso();
  await db.batch([
    db
      .update(vaults)
      .set({ archivedAt: now, updatedAt: now })
      .where(and(eq(vaults.id, vault.id), eq(vaults.workspaceId, vault.workspaceId), isNull(vaults.archivedAt))),
    db
      .update(vaultCredentials)
      .set({ archivedAt: now, updatedAt: now, secrets: null })
      .where(
        and(
          eq(vaultCredentials.vaultId, vault.id),
          eq(vaultCredentials.workspaceId, vault.workspaceId),
          isNull(vaultCredentials.archivedAt),
        ),
      ),
  ]);
  await emitWebhook(c, "vault.archived", vault.id);
  return c.json(vaultJson(await findVault(db, vault.workspaceId, vault.id)));
});
