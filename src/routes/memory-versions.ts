import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { createdAtWithin } from "../db/created-at-bounds";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { memoryVersions, type ActorType } from "../db/schema";
import { findMemoryStore, findMemoryVersion, versionSelection } from "../db/queries/memory/lookups";
import { redactMemoryVersion } from "../db/queries/memory/redaction";
import { paginate } from "../lib/pagination";
import { validate } from "../lib/validation";
import { FULL_VIEW_PAGE_CAP, listVersionsQuery, memoryVersionJson, viewQuery } from "../schemas/memories";
import { requestActor, requireMemoryBeta } from "./memory-stores";

/**
 * /v1/memory_stores/:memory_store_id/memory_versions: the store's audit trail, one
 * immutable entry per memory write, newest first. Only redaction changes an entry.
 */
export const memoryVersionRoutes = new Hono<AppEnv>();
memoryVersionRoutes.use("*", requireMemoryBeta);

const writtenBy = (type: ActorType, id: string | undefined) =>
  id === undefined ? undefined : and(eq(memoryVersions.createdByType, type), eq(memoryVersions.createdById, id));

memoryVersionRoutes.get("/:memory_store_id/memory_versions", validate("query", listVersionsQuery), async (c) => {
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  const store = await findMemoryStore(db, c.var.workspaceId, c.req.param("memory_store_id"));
  const withContent = query.view === "full";
  return c.json(
    await paginate({
      params: { limit: withContent ? Math.min(query.limit, FULL_VIEW_PAGE_CAP) : query.limit, page: query.page },
      idColumn: memoryVersions.id,
      where: and(
        eq(memoryVersions.workspaceId, store.workspaceId),
        eq(memoryVersions.memoryStoreId, store.id),
        query.memory_id ? eq(memoryVersions.memoryId, query.memory_id) : undefined,
        query.operation ? eq(memoryVersions.operation, query.operation) : undefined,
        writtenBy("api_actor", query.api_key_id),
        writtenBy("session_actor", query.session_id),
        writtenBy("service_account_actor", query.service_account_id),
        createdAtWithin(memoryVersions.createdAt, query),
      ),
      fetch: (q) =>
        db.select(versionSelection(withContent)).from(memoryVersions).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: (v) => memoryVersionJson(v, query.view),
    }),
  );
});

memoryVersionRoutes.get(
  "/:memory_store_id/memory_versions/:memory_version_id",
  validate("query", viewQuery("full")),
  async (c) => {
    const { view } = c.req.valid("query");
    const version = await findMemoryVersion(
      database(c.env.DB),
      c.var.workspaceId,
      c.req.param("memory_store_id"),
      c.req.param("memory_version_id"),
    );
    return c.json(memoryVersionJson(version, view));
  },
);

/** Allowed in archived stores: redaction is how leaked secrets and personal data leave the history. */
memoryVersionRoutes.post("/:memory_store_id/memory_versions/:memory_version_id/redact", async (c) => {
  const version = await redactMemoryVersion(
    database(c.env.DB),
    { workspaceId: c.var.workspaceId, memoryStoreId: c.req.param("memory_store_id") },
    c.req.param("memory_version_id"),
    requestActor(c),
  );
  return c.json(memoryVersionJson(version, "full"));
});
