import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import { and, eq, isNull } from "drizzle-orm";
import { createdAtWithin } from "../db/created-at-bounds";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { memories, memoryStores, memoryVersions } from "../db/schema";
import { findMemoryStore } from "../db/queries/memory/lookups";
import { badRequest } from "../lib/errors";
import { newId } from "../lib/ids";
import { paginate } from "../lib/pagination";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";
import type { Actor } from "../schemas/memories";
import { createMemoryStore, listMemoryStoresQuery, memoryStoreJson, updateMemoryStore } from "../schemas/memory-stores";
import { patchMetadata } from "../schemas/vaults";

/**
 * The memory API answers to either beta: the SDK sends `agent-memory-2026-07-22` on every
 * memory call, and the docs accept `managed-agents-2026-04-01` as well.
 */
const MEMORY_BETAS = ["agent-memory-2026-07-22", "managed-agents-2026-04-01"];

export const requireMemoryBeta = createMiddleware<AppEnv>(async (c, next) => {
  if (!MEMORY_BETAS.some((beta) => c.var.betas.includes(beta))) {
    throw badRequest(`this endpoint requires the anthropic-beta header to include "${MEMORY_BETAS[0]}"`);
  }
  await next();
});

/**
 * Who a memory write is recorded as: the API key, or the session whose sessions token made it (the SDK's
 * environment worker syncs a session's mount with one).
 */
export const requestActor = (c: Context<AppEnv>): Actor =>
  c.var.principal?.kind === "sessions_token"
    ? { type: "session_actor", id: c.var.principal.sessionId }
    : { type: "api_actor", id: c.var.apiKeyId };

/** /v1/memory_stores: named containers of memories that sessions mount under /mnt/memory/. */
export const memoryStoreRoutes = new Hono<AppEnv>();
memoryStoreRoutes.use("*", requireMemoryBeta);

const loadStore = (c: Context<AppEnv>) =>
  findMemoryStore(database(c.env.DB), c.var.workspaceId, c.req.param("memory_store_id")!);

const ownRow = (id: string, workspaceId: string) =>
  and(eq(memoryStores.id, id), eq(memoryStores.workspaceId, workspaceId));

memoryStoreRoutes.post("/", validate("json", createMemoryStore), async (c) => {
  const body = c.req.valid("json");
  const now = nowIso();
  const row = {
    id: newId("memstore"),
    workspaceId: c.var.workspaceId,
    name: body.name,
    description: body.description ?? "",
    metadata: body.metadata ?? {},
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  await database(c.env.DB).insert(memoryStores).values(row);
  return c.json(memoryStoreJson(row));
});

memoryStoreRoutes.get("/", validate("query", listMemoryStoresQuery), async (c) => {
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  return c.json(
    await paginate({
      params: query,
      idColumn: memoryStores.id,
      where: and(
        eq(memoryStores.workspaceId, c.var.workspaceId),
        query.include_archived ? undefined : isNull(memoryStores.archivedAt),
        createdAtWithin(memoryStores.createdAt, query),
      ),
      fetch: (q) => db.select().from(memoryStores).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: memoryStoreJson,
    }),
  );
});

memoryStoreRoutes.get("/:memory_store_id", async (c) => c.json(memoryStoreJson(await loadStore(c))));

memoryStoreRoutes.post("/:memory_store_id", validate("json", updateMemoryStore), async (c) => {
  const body = c.req.valid("json");
  const store = await loadStore(c);
  if (store.archivedAt) throw badRequest(`memory store ${store.id} is archived and can no longer be updated`);
  const next = {
    ...store,
    name: body.name ?? store.name,
    description: body.description ?? store.description,
    metadata: patchMetadata(store.metadata, body.metadata),
    updatedAt: nowIso(),
  };
  await database(c.env.DB)
    .update(memoryStores)
    .set({ name: next.name, description: next.description, metadata: next.metadata, updatedAt: next.updatedAt })
    .where(and(ownRow(store.id, store.workspaceId), isNull(memoryStores.archivedAt)));
  return c.json(memoryStoreJson(next));
});

/** Deleting a store deletes its memories and every version with it (archived stores included). */
memoryStoreRoutes.delete("/:memory_store_id", async (c) => {
  const db = database(c.env.DB);
  const store = await loadStore(c);
  const inStore = <T extends typeof memories | typeof memoryVersions>(table: T) =>
    and(eq(table.memoryStoreId, store.id), eq(table.workspaceId, store.workspaceId));
  await db.batch([
    db.delete(memoryVersions).where(inStore(memoryVersions)),
    db.delete(memories).where(inStore(memories)),
    db.delete(memoryStores).where(ownRow(store.id, store.workspaceId)),
  ]);
  return c.json({ type: "memory_store_deleted" as const, id: store.id });
});

/** One way: the store stays readable (and its memories deletable) but takes no more writes. */
memoryStoreRoutes.post("/:memory_store_id/archive", async (c) => {
  const db = database(c.env.DB);
  const store = await loadStore(c);
  if (store.archivedAt) return c.json(memoryStoreJson(store));
  const now = nowIso();
  await db
    .update(memoryStores)
    .set({ archivedAt: now, updatedAt: now })
    .where(and(ownRow(store.id, store.workspaceId), isNull(memoryStores.archivedAt)));
  return c.json(memoryStoreJson(await loadStore(c)));
});
