import { Hono } from "hono";
import { and, eq, isNull } from "drizzle-orm";
import { createdAtWithin } from "../db/created-at-bounds";
import type { AppEnv } from "../env";
import { database, type Database } from "../db/client";
import { agents, agentVersions } from "../db/schema";
import { agentLookup, getAgentRows, renderAgent } from "../db/queries/agents";
import { isUniqueViolation } from "../db/queries/constraints";
import { badRequest, conflict, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { pageParams, paginate } from "../lib/pagination";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";
import { requireBeta } from "../middleware/betas";
import {
  agentCreateParams,
  agentListQuery,
  agentRetrieveQuery,
  agentUpdateParams,
  buildAgentConfig,
  sameAgentConfig,
} from "../schemas/agents";
import { emitWebhook } from "../webhooks/emit";

/**
 * `/v1/agents`: versioned agent configurations. Each change writes a new immutable row in
 * `agent_versions` and moves `agents.version` forward; archive is the only other transition.
 */
export const agentRoutes = new Hono<AppEnv>();
agentRoutes.use("*", requireBeta("managed-agents-2026-04-01"));

async function loadAgent(db: Database, workspaceId: string, agentId: string, version?: number) {
  const row = await getAgentRows(db, workspaceId, agentId, version);
  if (row) return row;
  if (version !== undefined && (await getAgentRows(db, workspaceId, agentId))) {
    throw notFound("agent version", `${agentId} version ${version}`);
  }
  throw notFound("agent", agentId);
}

agentRoutes.post("/", validate("json", agentCreateParams), async (c) => {
  const db = database(c.env.DB);
  const workspaceId = c.var.workspaceId;
  const id = newId("agent");
  const config = await buildAgentConfig(c.req.valid("json"), {
    agentId: id,
    version: 1,
    lookupAgent: agentLookup(db, workspaceId),
  });
  const now = nowIso();
  const agent = { id, workspaceId, version: 1, createdAt: now, updatedAt: now, archivedAt: null };
  const version = { id: newId("agentver"), workspaceId, agentId: id, version: 1, config, createdAt: now, updatedAt: now };
  await db.batch([db.insert(agents).values(agent), db.insert(agentVersions).values(version)]);
  await emitWebhook(c, "agent.created", id);
  return c.json(renderAgent(agent, version));
});

agentRoutes.get("/", validate("query", agentListQuery), async (c) => {
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  const where = and(
    eq(agents.workspaceId, c.var.workspaceId),
    query.include_archived ? undefined : isNull(agents.archivedAt),
    createdAtWithin(agents.createdAt, query),
  );
  return c.json(
    await paginate({
      params: query,
      idColumn: agents.id,
      where,
      fetch: async (q) =>
        (
          await db
            .select({ agent: agents, version: agentVersions })
            .from(agents)
            .innerJoin(agentVersions, and(eq(agentVersions.agentId, agents.id), eq(agentVersions.version, agents.version)))
            .where(q.where)
            .orderBy(q.orderBy)
            .limit(q.limit)
        ).map((row) => ({ id: row.agent.id, ...row })),
      map: (row) => renderAgent(row.agent, row.version),
    }),
  );
});

agentRoutes.get("/:agent_id", validate("query", agentRetrieveQuery), async (c) => {
  const db = database(c.env.DB);
  const row = await loadAgent(db, c.var.workspaceId, c.req.param("agent_id"), c.req.valid("query").version);
  return c.json(renderAgent(row.agent, row.version));
});

agentRoutes.post("/:agent_id", validate("json", agentUpdateParams), async (c) => {
  const db = database(c.env.DB);
  const workspaceId = c.var.workspaceId;
  const params = c.req.valid("json");
  const current = await loadAgent(db, workspaceId, c.req.param("agent_id"));
  const { agent } = current;
  if (agent.archivedAt) throw badRequest(`agent ${agent.id} is archived and cannot be updated`);
  if (params.version !== undefined && params.version !== agent.version) {
    throw conflict(`version ${params.version} does not match the agent's current version ${agent.version}`);
  }

  const nextVersion = agent.version + 1;
  const config = await buildAgentConfig(
    params,
    { agentId: agent.id, version: nextVersion, lookupAgent: agentLookup(db, workspaceId) },
    current.version.config,
  );
  // An update that changes nothing is not a new version.
  if (sameAgentConfig(config, current.version.config, agent.id)) return c.json(renderAgent(agent, current.version));

  const now = nowIso();
  const version = { id: newId("agentver"), workspaceId, agentId: agent.id, version: nextVersion, config, createdAt: now, updatedAt: now };
  try {
    await db.batch([
      db.insert(agentVersions).values(version),
      db
        .update(agents)
        .set({ version: nextVersion, updatedAt: now })
        .where(and(eq(agents.id, agent.id), eq(agents.version, agent.version))),
    ]);
  } catch (err) {
    // Another update wrote this version number first; the batch rolled back as a whole.
    if (isUniqueViolation(err)) throw conflict(`agent ${agent.id} was updated concurrently; retry with the current version`);
    throw err;
  }
  await emitWebhook(c, "agent.updated", agent.id);
  return c.json(renderAgent({ ...agent, version: nextVersion, updatedAt: now }, version));
});

agentRoutes.post("/:agent_id/archive", async (c) => {
  const db = database(c.env.DB);
  const workspaceId = c.var.workspaceId;
  const agentId = c.req.param("agent_id");
  const now = nowIso();
  // Archiving is terminal and idempotent: a second archive keeps the first timestamp.
  await db
    .update(agents)
    .set({ archivedAt: now, updatedAt: now })
    .where(and(eq(agents.workspaceId, workspaceId), eq(agents.id, agentId), isNull(agents.archivedAt)));
  const row = await loadAgent(db, workspaceId, agentId);
  if (row.agent.archivedAt === now) await emitWebhook(c, "agent.archived", agentId);
  return c.json(renderAgent(row.agent, row.version));
});

agentRoutes.get("/:agent_id/versions", validate("query", pageParams), async (c) => {
  const db = database(c.env.DB);
  const workspaceId = c.var.workspaceId;
  const { agent } = await loadAgent(db, workspaceId, c.req.param("agent_id"));
  return c.json(
    await paginate({
      params: c.req.valid("query"),
      idColumn: agentVersions.id,
      where: and(eq(agentVersions.workspaceId, workspaceId), eq(agentVersions.agentId, agent.id)),
      fetch: (q) => db.select().from(agentVersions).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: (version) => renderAgent(agent, version),
    }),
  );
});
