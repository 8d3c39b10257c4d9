import { Hono } from "hono";
import { and, eq, inArray, isNull, type SQL } from "drizzle-orm";
import { createdAtWithin } from "../db/created-at-bounds";
import type { AppEnv, Env } from "../env";
import { database, type Database } from "../db/client";
import { dreams, sessions } from "../db/schema";
import { findMemoryStore } from "../db/queries/memory/lookups";
import { findDream, finish, zeroDreamUsage } from "../dreams/store";
import { badRequest, conflict, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { paginate } from "../lib/pagination";
import { nowIso } from "../lib/time";
import { describeIssues, validate } from "../lib/validation";
import { requireBeta } from "../middleware/betas";
import { requestActor } from "./memory-stores";
import { createDreamBody, DREAMS_BETA, dreamJson, dreamStatuses, FINAL_STATUSES, listDreamsQuery, renderInputs } from "../schemas/dreams";

/** `/v1/dreams`: asynchronous jobs that reorganize a memory store from past sessions (research preview). */
export const dreamRoutes = new Hono<AppEnv>();
dreamRoutes.use("*", requireBeta(DREAMS_BETA));

const runner = (env: Env, dreamId: string) => env.DREAM_RUNNERS.get(env.DREAM_RUNNERS.idFromName(dreamId));

dreamRoutes.post("/", validate("json", createDreamBody), async (c) => {
  const body = c.req.valid("json");
  const db = database(c.env.DB);
  const workspaceId = c.var.workspaceId;
  const inputs = renderInputs(body.inputs);
  const storeId = body.inputs.find((i) => i.type === "memory_store")!.memory_store_id;
  const store = await findMemoryStore(db, workspaceId, storeId);
  if (store.archivedAt) throw badRequest(`memory store ${storeId} is archived: a dream can't read it`);
  await assertSessionsExist(db, workspaceId, inputs.find((i) => i.type === "sessions")!.session_ids);

  const updating = body.output_behavior?.type === "update_existing";
  const row = {
    id: newId("drm"),
    workspaceId,
    status: "pending" as const,
    inputs,
    instructions: body.instructions ?? null,
    model: typeof body.model === "string" ? { id: body.model, speed: "standard" as const } : { id: body.model.id, speed: "standard" as const },
    outputBehavior: body.output_behavior ?? { type: "create_new" as const },
    outputMemoryStoreId: null,
    heldMemoryStoreId: updating ? storeId : null,
    error: null,
    usage: zeroDreamUsage(),
    createdAt: nowIso(),
    endedAt: null,
    archivedAt: null,
  };
  // The unique index on the held store is the lock: two `update_existing` dreams can't both insert.
  const [inserted] = await db.insert(dreams).values(row).onConflictDoNothing().returning({ id: dreams.id });
  if (!inserted) {
    const [holder] = await db.select({ id: dreams.id }).from(dreams).where(eq(dreams.heldMemoryStoreId, storeId)).limit(1);
    c.header("x-should-retry", "false");
    throw conflict(
      `memory store ${storeId} is being written by dream ${holder?.id ?? "(another dream)"}: wait for it to end or cancel it, then retry`,
    );
  }
  await runner(c.env, row.id).start({ workspaceId, dreamId: row.id, actor: requestActor(c) });
  return c.json(dreamJson(row));
});

dreamRoutes.get("/", validate("query", listDreamsQuery), async (c) => {
  const query = c.req.valid("query");
  const statuses = dreamStatuses.safeParse([...(c.req.queries("statuses[]") ?? []), ...(c.req.queries("statuses") ?? [])]);
  if (!statuses.success) throw badRequest(`statuses: ${describeIssues(statuses.error.issues)}`);
  const db = database(c.env.DB);
  const filters: (SQL | undefined)[] = [
    eq(dreams.workspaceId, c.var.workspaceId),
    query.include_archived ? undefined : isNull(dreams.archivedAt),
    statuses.data.length ? inArray(dreams.status, statuses.data) : undefined,
    createdAtWithin(dreams.createdAt, query),
  ];
  return c.json(
    await paginate({
      params: query,
      idColumn: dreams.id,
      where: and(...filters),
      fetch: (q) => db.select().from(dreams).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: dreamJson,
    }),
  );
});

dreamRoutes.get("/:dream_id", async (c) => {
  return c.json(dreamJson(await findDream(database(c.env.DB), c.var.workspaceId, c.req.param("dream_id"))));
});

dreamRoutes.post("/:dream_id/cancel", async (c) => {
  const db = database(c.env.DB);
  const row = await findDream(db, c.var.workspaceId, c.req.param("dream_id"));
  if (row.status === "completed" || row.status === "failed") {
    throw badRequest(`dream ${row.id} already ended as \`${row.status}\`: only a pending or running dream can be canceled`);
  }
  if (row.status !== "canceled" && (await finish(db, row, "canceled"))) await runner(c.env, row.id).wake();
  // Whatever won the race (this cancel, or the runner's completion) is what the caller sees.
  return c.json(dreamJson(await findDream(db, row.workspaceId, row.id)));
});

dreamRoutes.post("/:dream_id/archive", async (c) => {
  const db = database(c.env.DB);
  const row = await findDream(db, c.var.workspaceId, c.req.param("dream_id"));
  if (row.archivedAt) return c.json(dreamJson(row));
  if (!FINAL_STATUSES.has(row.status)) {
    throw badRequest(`dream ${row.id} is still \`${row.status}\`: cancel it before archiving it`);
  }
  const archivedAt = nowIso();
  await db.update(dreams).set({ archivedAt }).where(and(eq(dreams.id, row.id), eq(dreams.workspaceId, row.workspaceId)));
  return c.json(dreamJson({ ...row, archivedAt }));
});

async function assertSessionsExist(db: Database, workspaceId: string, ids: string[]) {
  const found = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.workspaceId, workspaceId), inArray(sessions.id, ids)));
  const known = new Set(found.map((s) => s.id));
  const missing = ids.find((id) => !known.has(id));
  if (missing) throw notFound("session", missing);
}
