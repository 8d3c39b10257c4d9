import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { listMemories, type MemoryListItem } from "../db/queries/memory/listing";
import { findMemory, findMemoryStore } from "../db/queries/memory/lookups";
import { createMemory, deleteMemory, updateMemory } from "../db/queries/memory/writes";
import { decodeCursor, encodeCursor } from "../lib/pagination";
import { validate } from "../lib/validation";
import {
  FULL_VIEW_PAGE_CAP,
  createMemory as createBody,
  deleteMemoryQuery,
  listMemoriesQuery,
  memoryJson,
  memoryPrefixJson,
  updateMemory as updateBody,
  viewQuery,
  type View,
} from "../schemas/memories";
import { requestActor, requireMemoryBeta } from "./memory-stores";

/**
 * /v1/memory_stores/:memory_store_id/memories: text documents addressed by path. Create
 * goes by path, everything else by id; every write appends a memory version.
 */
export const memoryRoutes = new Hono<AppEnv>();
memoryRoutes.use("*", requireMemoryBeta);

type Ctx = Context<AppEnv>;

const scopeOf = (c: Ctx) => ({ workspaceId: c.var.workspaceId, memoryStoreId: c.req.param("memory_store_id")! });

const shown = (content: string | null, view: View) => (view === "full" ? content : null);

memoryRoutes.post(
  "/:memory_store_id/memories",
  validate("query", viewQuery("basic")),
  validate("json", createBody),
  async (c) => {
    const body = c.req.valid("json");
    const { view } = c.req.valid("query");
    const created = await createMemory(database(c.env.DB), scopeOf(c), {
      path: body.path,
      content: body.content ?? "",
      actor: requestActor(c),
    });
    return c.json(memoryJson(created.memory, shown(created.content, view)));
  },
);

memoryRoutes.get("/:memory_store_id/memories", validate("query", listMemoriesQuery), async (c) => {
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  const scope = scopeOf(c);
  await findMemoryStore(db, scope.workspaceId, scope.memoryStoreId);
  const withContent = query.view === "full";
  const { items, nextAfter } = await listMemories(db, scope, {
    prefix: query.path_prefix,
    depth: query.depth,
    limit: withContent ? Math.min(query.limit, FULL_VIEW_PAGE_CAP) : query.limit,
    after: query.page ? decodeCursor(query.page).after : undefined,
    withContent,
  });
  const itemJson = (item: MemoryListItem) =>
    item.kind === "prefix" ? memoryPrefixJson(item.path) : memoryJson(item.memory, shown(item.content, query.view));
  return c.json({
    data: items.map(itemJson),
    next_page: nextAfter === undefined ? null : encodeCursor({ after: nextAfter, order: "asc" }),
  });
});

memoryRoutes.get("/:memory_store_id/memories/:memory_id", validate("query", viewQuery("full")), async (c) => {
  const { view } = c.req.valid("query");
  const scope = scopeOf(c);
  const { memory, content } = await findMemory(
    database(c.env.DB),
    scope.workspaceId,
    scope.memoryStoreId,
    c.req.param("memory_id"),
    view === "full",
  );
  return c.json(memoryJson(memory, content));
});

memoryRoutes.post(
  "/:memory_store_id/memories/:memory_id",
  validate("query", viewQuery("basic")),
  validate("json", updateBody),
  async (c) => {
    const body = c.req.valid("json");
    const { view } = c.req.valid("query");
    const updated = await updateMemory(
      database(c.env.DB),
      scopeOf(c),
      c.req.param("memory_id"),
      {
        content: body.content ?? undefined,
        path: body.path ?? undefined,
        expectedSha256: body.precondition?.content_sha256,
      },
      requestActor(c),
    );
    return c.json(memoryJson(updated.memory, shown(updated.content, view)));
  },
);

memoryRoutes.delete("/:memory_store_id/memories/:memory_id", validate("query", deleteMemoryQuery), async (c) => {
  const { expected_content_sha256 } = c.req.valid("query");
  const memory = await deleteMemory(
    database(c.env.DB),
    scopeOf(c),
    c.req.param("memory_id"),
    expected_content_sha256,
    requestActor(c),
  );
  return c.json({ type: "memory_deleted" as const, id: memory.id });
});
