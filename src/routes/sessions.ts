import { Hono } from "hono";
import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, lte, sql, type SQL } from "drizzle-orm";
import type { AppEnv } from "../env";
import { database, type Database } from "../db/client";
import { sessions, type SessionRow } from "../db/schema";
import { getAgent } from "../db/queries/agents";
import { getEnvironment } from "../db/queries/environments";
import { findSession, sessionStub, unwrap } from "../db/queries/sessions";
import { assertVaultsExist } from "../db/queries/vaults";
import { findFile } from "../db/queries/files";
import { findMemoryStore } from "../db/queries/memory";
import { requireBeta } from "../middleware/betas";
import { badRequest, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";
import { mcpServerParams, resolveTools, toolParams } from "../schemas/agent-tools";
import {
  createSession,
  emptyUsage,
  listSessionsQuery,
  sessionJson,
  storeResources,
  updateSession,
  type AgentRef,
  type ListSessionsQuery,
} from "../schemas/sessions";
import type { SessionAgent, UserEventParams } from "../../durable-objects/session/types";
import type { z } from "zod";

/**
 * /v1/sessions. D1 holds the cross-session index (lists and filters never wake a Durable Object);
 * each session's DO holds its event log, turn state and usage, and mirrors status and usage back here.
 */
export const sessionRoutes = new Hono<AppEnv>();
sessionRoutes.use("*", requireBeta("managed-agents-2026-04-01"));

sessionRoutes.post("/", validate("json", createSession), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  const workspaceId = c.var.workspaceId;
  if (body.budget !== undefined) throw badRequest("budget: spend budgets are not supported by this server");
  const agent = await resolveAgent(db, workspaceId, body.agent);
  const environment = await getEnvironment(db, workspaceId, body.environment_id);
  if (!environment) throw notFound("environment", body.environment_id);
  if (environment.archived_at) throw badRequest(`environment_id: environment ${environment.id} is archived`);
  await assertVaultsExist(db, workspaceId, body.vault_ids ?? []);
  const memoryDescriptions = new Map<string, string>();
  for (const resource of body.resources ?? []) {
    if (resource.type === "file") await findFile(db, workspaceId, resource.file_id);
    if (resource.type === "memory_store") {
      memoryDescriptions.set(resource.memory_store_id, (await findMemoryStore(db, workspaceId, resource.memory_store_id)).description);
    }
  }

  const now = nowIso();
  const row: SessionRow = {
    id: newId("sesn"),
    workspaceId,
    agentId: agent.id,
    agentVersion: agent.version,
    agent,
    environmentId: environment.id,
    title: body.title ?? null,
    metadata: body.metadata ?? {},
    resources: storeResources(body.resources ?? [], now, (id) => memoryDescriptions.get(id) ?? ""),
    vaultIds: body.vault_ids ?? [],
    status: "idle",
    usage: emptyUsage(),
    activeSeconds: 0,
    runningSince: null,
    deploymentId: null,
    mirrorSeq: 0,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  // The index row first: the DO mirrors into it from its first transition (initial events start a turn).
  await db.insert(sessions).values(row);
  try {
    unwrap(
      await sessionStub(c.env, row.id).init({
        sessionId: row.id,
        workspaceId,
        environmentId: row.environmentId,
        agent,
        title: row.title,
        metadata: row.metadata,
        createdAt: now,
        initialEvents: body.initial_events as UserEventParams[] | undefined,
      }),
    );
  } catch (err) {
    await db.delete(sessions).where(and(eq(sessions.id, row.id), eq(sessions.workspaceId, workspaceId)));
    throw err;
  }
  return c.json(sessionJson(await findSession(db, workspaceId, row.id)));
});

sessionRoutes.get("/", validate("query", listSessionsQuery), async (c) => {
  const db = database(c.env.DB);
  return c.json(await listSessions(db, c.var.workspaceId, c.req.valid("query")));
});

sessionRoutes.get("/:session_id", async (c) => {
  return c.json(sessionJson(await findSession(database(c.env.DB), c.var.workspaceId, c.req.param("session_id"))));
});

sessionRoutes.post("/:session_id", validate("json", updateSession), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  const session = await findSession(db, c.var.workspaceId, c.req.param("session_id"));
  if (body.vault_ids !== undefined) throw badRequest("vault_ids: attaching vaults after creation is not supported yet");
  if (body.budget !== undefined) throw badRequest("budget: spend budgets are not supported by this server");
  let agent: Partial<Pick<SessionAgent, "tools" | "mcp_servers">> | undefined;
  if (body.agent && (body.agent.tools !== undefined || body.agent.mcp_servers !== undefined)) {
    const resolved = resolveTools(
      body.agent.tools === undefined ? session.agent.tools : parseOrThrow(toolList, body.agent.tools, "agent.tools"),
      body.agent.mcp_servers === undefined
        ? session.agent.mcp_servers
        : parseOrThrow(serverList, body.agent.mcp_servers, "agent.mcp_servers"),
    );
    agent = { tools: resolved.tools, mcp_servers: resolved.mcp_servers };
  }
  unwrap(await sessionStub(c.env, session.id).update(c.var.workspaceId, { title: body.title, metadata: body.metadata, agent }));
  return c.json(sessionJson(await findSession(db, c.var.workspaceId, session.id)));
});

sessionRoutes.post("/:session_id/archive", async (c) => {
  const db = database(c.env.DB);
  const session = await findSession(db, c.var.workspaceId, c.req.param("session_id"));
  unwrap(await sessionStub(c.env, session.id).archive(c.var.workspaceId));
  return c.json(sessionJson(await findSession(db, c.var.workspaceId, session.id)));
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

const toolList = toolParams.array();
const serverList = mcpServerParams.array();

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, path: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw badRequest(`${[path, ...issue.path.map(String)].join(".")}: ${issue.message}`);
}

/**
 * The agent a session runs, snapshotted at creation: the latest version for an id, the pinned one for
 * `{type: "agent", version}`, or a version with session-local overrides (`agent_with_overrides`).
 */
async function resolveAgent(db: Database, workspaceId: string, ref: AgentRef): Promise<SessionAgent> {
  const id = typeof ref === "string" ? ref : ref.id;
  const version = typeof ref === "string" ? undefined : ref.version;
  const agent = await getAgent(db, workspaceId, id, version);
  if (!agent) throw notFound(version === undefined ? "agent" : `agent version ${version} of`, id);
  if (agent.archived_at) throw badRequest(`agent: agent ${agent.id} is archived`);
  const snapshot: SessionAgent = {
    type: "agent",
    id: agent.id,
    version: agent.version,
    name: agent.name,
    description: agent.description,
    model: agent.model,
    system: agent.system,
    tools: agent.tools,
    mcp_servers: agent.mcp_servers,
    skills: agent.skills,
    execution_identity: agent.execution_identity,
    // Multiagent rosters resolve into session threads, which this server does not run yet.
    multiagent: null,
  };
  if (typeof ref === "string" || ref.type === "agent") return snapshot;
  if (ref.model !== undefined) snapshot.model = typeof ref.model === "string" ? { id: ref.model } : (ref.model as SessionAgent["model"]);
  if (ref.system !== undefined) snapshot.system = ref.system;
  if (ref.skills !== undefined) snapshot.skills = ref.skills.map((s) => ({ ...s, version: (s.version as string) ?? "latest" })) as SessionAgent["skills"];
  if (ref.tools !== undefined || ref.mcp_servers !== undefined) {
    const resolved = resolveTools(
      ref.tools === undefined ? snapshot.tools : parseOrThrow(toolList, ref.tools, "agent.tools"),
      ref.mcp_servers === undefined ? snapshot.mcp_servers : parseOrThrow(serverList, ref.mcp_servers, "agent.mcp_servers"),
    );
    snapshot.tools = resolved.tools;
    snapshot.mcp_servers = resolved.mcp_servers;
  }
  return snapshot;
}

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
  const iso = (value: string) => new Date(value).toISOString();
  const filters: (SQL | undefined)[] = [
    eq(sessions.workspaceId, workspaceId),
    query.include_archived ? undefined : isNull(sessions.archivedAt),
    query.agent_id ? eq(sessions.agentId, query.agent_id) : undefined,
    query.agent_id && query.agent_version ? eq(sessions.agentVersion, query.agent_version) : undefined,
    query["created_at[gt]"] ? gt(sessions.createdAt, iso(query["created_at[gt]"])) : undefined,
    query["created_at[gte]"] ? gte(sessions.createdAt, iso(query["created_at[gte]"])) : undefined,
    query["created_at[lt]"] ? lt(sessions.createdAt, iso(query["created_at[lt]"])) : undefined,
    query["created_at[lte]"] ? lte(sessions.createdAt, iso(query["created_at[lte]"])) : undefined,
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
