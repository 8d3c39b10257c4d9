import { Hono } from "hono";
import { and, asc, desc, eq, gt, inArray, isNull, lt, sql, type SQL } from "drizzle-orm";
import { createdAtWithin } from "../db/created-at-bounds";
import type { AppEnv } from "../env";
import { database, type Database } from "../db/client";
import { sessions } from "../db/schema";
import { findSession, readSession, sessionStub, unwrap } from "../db/queries/sessions";
import { requireBeta } from "../middleware/betas";
import { badRequest } from "../lib/errors";
import { validate } from "../lib/validation";
import { createSessionBody, listSessionsQuery, sessionJson, updateSessionBody, type ListSessionsQuery } from "../schemas/sessions";
import { createSession, resolveSessionTools } from "../sessions/create";

/**
 * /v1/sessions. D1 holds the cross-session index (lists and filters never wake a Durable Object);
 * each session's DO holds its event log, turn state and usage, and mirrors status and usage back here.
 */
export const sessionRoutes = new Hono<AppEnv>();
sessionRoutes.use("*", requireBeta("managed-agents-2026-04-01"));

sessionRoutes.post("/", validate("json", createSessionBody), async (c) => {
  const session = await createSession(c.env, c.var.workspaceId, c.req.valid("json"), { limits: c.var.limits, modelTokensLeft: c.var.modelTokensLeft });
  return c.json(sessionJson(session));
});

sessionRoutes.get("/", validate("query", listSessionsQuery), async (c) => {
  const db = database(c.env.DB);
  return c.json(await listSessions(db, c.var.workspaceId, c.req.valid("query")));
});

sessionRoutes.get("/:session_id", async (c) => {
  return c.json(sessionJson(await readSession(c.env, database(c.env.DB), c.var.workspaceId, c.req.param("session_id"))));
});

sessionRoutes.post("/:session_id", validate("json", updateSessionBody), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  const session = await findSession(db, c.var.workspaceId, c.req.param("session_id"));
  if (body.vault_ids !== undefined) throw badRequest("vault_ids: attaching vaults after creation is not supported yet");
  if (body.budget !== undefined) throw badRequest("budget: changing a session's budget after creation is not supported by this server");
  const replacesTools = body.agent && (body.agent.tools !== undefined || body.agent.mcp_servers !== undefined);
  const agent = replacesTools ? resolveSessionTools(session.agent, body.agent!) : undefined;
  unwrap(await sessionStub(c.env, session.id).update(c.var.workspaceId, { title: body.title, metadata: body.metadata, agent }));
  return c.json(sessionJson(await readSession(c.env, db, c.var.workspaceId, session.id)));
});

sessionRoutes.post("/:session_id/archive", async (c) => {
  const db = database(c.env.DB);
  const session = await findSession(db, c.var.workspaceId, c.req.param("session_id"));
  unwrap(await sessionStub(c.env, session.id).archive(c.var.workspaceId));
  return c.json(sessionJson(await readSession(c.env, db, c.var.workspaceId, session.id)));
});

/** Deletes the record, its events (the DO wipes its storage) and ends its streams. Not while running. */
sessionRoutes.delete("/:session_id", async (c) => {
  const db = database(c.env.DB);
  const session = await findSession(db, c.var.workspaceId, c.req.param("session_id"));
  unwrap(await sessionStub(c.env, session.id).destroy(c.var.workspaceId));
  await db.delete(sessions).where(and(eq(sessions.id, session.id), eq(sessions.workspaceId, session.workspaceId)));
  return c.json({ type: "session_deleted" as const, id: session.id });
});

// ----------------------------------------------------------------------------------------------------------
// The sessions list: the SDK's BidirectionalPageCursor (`next_page` and `prev_page`, both followed with `page`).

interface SessionCursor {
  /** Boundary session id. */
  id: string;
  /** `next`: items after the boundary in list order; `prev`: items before it. */
  dir: "next" | "prev";
  order: "asc" | "desc";
}

const encodeCursor = (cursor: SessionCursor) =>
  btoa(JSON.stringify(cursor)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function decodeCursor(page: string): SessionCursor {
  try {
    const cursor = JSON.parse(atob(page.replace(/-/g, "+").replace(/_/g, "/"))) as SessionCursor;
    if (
      typeof cursor.id === "string" &&
      (cursor.dir === "next" || cursor.dir === "prev") &&
      (cursor.order === "asc" || cursor.order === "desc")
    ) {
      return cursor;
    }
  } catch {
    // fall through
  }
  throw badRequest("page: invalid page cursor");
}

async function listSessions(db: Database, workspaceId: string, query: ListSessionsQuery) {
  const cursor = query.page ? decodeCursor(query.page) : undefined;
  const order = cursor?.order ?? query.order;
  const statuses = [query["statuses[]"] ?? [], query.statuses ?? []].flat();
  const filters: (SQL | undefined)[] = [
    eq(sessions.workspaceId, workspaceId),
    query.include_archived ? undefined : isNull(sessions.archivedAt),
    query.agent_id ? eq(sessions.agentId, query.agent_id) : undefined,
    query.agent_id && query.agent_version ? eq(sessions.agentVersion, query.agent_version) : undefined,
    createdAtWithin(sessions.createdAt, query),
    query.deployment_id ? eq(sessions.deploymentId, query.deployment_id) : undefined,
    statuses.length ? inArray(sessions.status, statuses) : undefined,
    query.memory_store_id
      ? sql`EXISTS (SELECT 1 FROM json_each(${sessions.resources}) WHERE json_extract(value, '$.memory_store_id') = ${query.memory_store_id})`
      : undefined,
  ];
  // Walking backwards (prev) reads in reverse list order from the boundary, then flips the page.
  const backwards = cursor?.dir === "prev";
  const ascending = (order === "asc") !== backwards;
  if (cursor) filters.push(ascending ? gt(sessions.id, cursor.id) : lt(sessions.id, cursor.id));
  const rows = await db
    .select()
    .from(sessions)
    .where(and(...filters))
    .orderBy(ascending ? asc(sessions.id) : desc(sessions.id))
    .limit(query.limit + 1);
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  if (backwards) page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  const next = backwards ? (last ?? (cursor && { id: cursor.id })) : more ? last : undefined;
  const prev = backwards ? (more ? first : undefined) : cursor ? (first ?? { id: cursor.id }) : undefined;
  const now = Date.now();
  return {
    data: page.map((row) => sessionJson(row, now)),
    next_page: next ? encodeCursor({ id: next.id, dir: "next", order }) : null,
    prev_page: prev ? encodeCursor({ id: prev.id, dir: "prev", order }) : null,
  };
}
