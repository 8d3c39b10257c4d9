import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import type { Env } from "../env";
import { database, type Database } from "../db/client";
import { sessions, type SessionRow } from "../db/schema";
import { getAgent } from "../db/queries/agents";
import { enqueueSelfHosted } from "../hands/self-hosted";
import { getEnvironment } from "../db/queries/environments";
import { findFile } from "../db/queries/files";
import { findMemoryStore } from "../db/queries/memory/lookups";
import { findSession, sessionStub, unwrap } from "../db/queries/sessions";
import { assertVaultsExist } from "../db/queries/vaults";
import { badRequest, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { nowIso } from "../lib/time";
import { mcpServerParams, toolParams } from "../schemas/agent-tools";
import { resolveTools } from "../schemas/agent-tools-resolve";
import { sealRepositoryTokens } from "./repository-token";
import { emptyUsage, storeResources, type AgentRef, type AttachedStore, type CreateSessionBody } from "../schemas/sessions";
import { assertMemoryStoreAttachments } from "./memory-mount-path";
import { memoryMountsOf } from "./memory-mounts";
import type { SessionAgent, UserEventParams } from "../../durable-objects/session/types";
import { isBudgetable } from "../../durable-objects/session/budget";
import { agentDefinition, resolveSessionMultiagent } from "./multiagent";
import { loadWorkspaceLimits, type WorkspaceLimits } from "../limits/workspace-limits";
import { assertSessionCapacity } from "../limits/session-capacity";
import { assertModelTokensLeft, startsTurn } from "../limits/model-tokens";
import { workspaceQuota } from "../../durable-objects/workspace-quota/workspace-quota";

/**
 * Creates a session: resolves and snapshots the agent, checks the environment, vaults and resources belong
 * to the workspace, writes the index row, then initialises the session's Durable Object (which processes
 * `initial_events`, so the first turn may already be running when this returns). The route calls it, and so
 * can anything in-process that starts sessions (deployment runs pass their `deploymentId`).
 */
export async function createSession(
  env: Env,
  workspaceId: string,
  body: CreateSessionBody,
  /** `sessionId`: a caller-chosen id (deployment runs derive it from the run id, for idempotency). */
  /** `limits`, `modelTokensLeft`: as the quota middleware admitted the request; read here when absent (deployment runs). */
  opts: { deploymentId?: string; sessionId?: string; limits?: WorkspaceLimits; modelTokensLeft?: number } = {},
): Promise<SessionRow> {
  const db = database(env.DB);
  const limits = opts.limits ?? (await loadWorkspaceLimits(env, workspaceId));
  await assertSessionCapacity(env.DB, workspaceId, limits);
  if (startsTurn(body.initial_events)) {
    const left = opts.modelTokensLeft ?? (await workspaceQuota(env, workspaceId).modelTokensLeft(workspaceId));
    assertModelTokensLeft(left, limits);
  }
  const agent = await resolveAgent(db, workspaceId, body.agent);
  if (body.budget && !isBudgetable(agent.model)) {
    throw badRequest(`budget: model_not_budgetable: model ${typeof agent.model === "string" ? agent.model : agent.model.id} has no public list price`);
  }
  const environment = await getEnvironment(db, workspaceId, body.environment_id);
  if (!environment) throw notFound("environment", body.environment_id);
  if (environment.archived_at) throw badRequest(`environment_id: environment ${environment.id} is archived`);
  await assertVaultsExist(db, workspaceId, body.vault_ids ?? []);
  assertMemoryStoreAttachments((body.resources ?? []).flatMap((r) => (r.type === "memory_store" ? [r.memory_store_id] : [])));
  const attachedStores = new Map<string, AttachedStore>();
  for (const resource of body.resources ?? []) {
    if (resource.type === "file") await findFile(db, workspaceId, resource.file_id);
    if (resource.type === "memory_store") {
      const { name, description } = await findMemoryStore(db, workspaceId, resource.memory_store_id);
      attachedStores.set(resource.memory_store_id, { name, description });
    }
  }

  const now = nowIso();
  const row: SessionRow = {
    id: opts.sessionId ?? newId("sesn"),
    workspaceId,
    agentId: agent.id,
    agentVersion: agent.version,
    agent,
    environmentId: environment.id,
    title: body.title ?? null,
    metadata: body.metadata ?? {},
    resources: await sealRepositoryTokens(env, workspaceId, storeResources(body.resources ?? [], now, attachedStores)),
    vaultIds: body.vault_ids ?? [],
    status: "idle",
    usage: emptyUsage(),
    activeSeconds: 0,
    runningSince: null,
    deploymentId: opts.deploymentId ?? null,
    budget: body.budget ?? null,
    outcomeEvaluations: [],
    mirrorSeq: 0,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  // The index row first: the DO mirrors into it from its first transition (initial events start a turn).
  await db.insert(sessions).values(row);
  try {
    unwrap(
      await sessionStub(env, row.id).init({
        sessionId: row.id,
        workspaceId,
        environmentId: row.environmentId,
        agent,
        title: row.title,
        metadata: row.metadata,
        createdAt: now,
        initialEvents: body.initial_events as UserEventParams[] | undefined,
        budget: row.budget,
        memoryMounts: memoryMountsOf(row.resources),
        maxEvents: limits.max_events_per_session,
      }),
    );
  } catch (err) {
    await db.delete(sessions).where(and(eq(sessions.id, row.id), eq(sessions.workspaceId, workspaceId)));
    throw err;
  }
  // A self-hosted session is queued for its workers at once, not at its first tool call.
  if (environment.config.type === "self_hosted") {
    await enqueueSelfHosted({ env, workspaceId, sessionId: row.id, environmentId: row.environmentId });
  }
  return findSession(db, workspaceId, row.id);
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
    ...agentDefinition(agent),
    multiagent: await resolveSessionMultiagent(db, workspaceId, agent.multiagent),
  };
  if (typeof ref === "string" || ref.type === "agent") return snapshot;
  if (ref.model !== undefined) snapshot.model = typeof ref.model === "string" ? { id: ref.model } : (ref.model as SessionAgent["model"]);
  if (ref.system !== undefined) snapshot.system = ref.system;
  if (ref.skills !== undefined) {
    snapshot.skills = ref.skills.map((s) => ({ ...s, version: (s.version as string | undefined) ?? "latest" })) as SessionAgent["skills"];
  }
  return { ...snapshot, ...resolveSessionTools(snapshot, ref) };
}

/**
 * A session's tools after a replacement (overrides at creation, `agent` on update): full replacement of
 * whichever of `tools` / `mcp_servers` is given, validated and resolved as the agents API does.
 */
export function resolveSessionTools(
  current: Pick<SessionAgent, "tools" | "mcp_servers">,
  patch: { tools?: unknown[]; mcp_servers?: unknown[] },
): Pick<SessionAgent, "tools" | "mcp_servers"> {
  if (patch.tools === undefined && patch.mcp_servers === undefined) return { tools: current.tools, mcp_servers: current.mcp_servers };
  return resolveTools(
    patch.tools === undefined ? current.tools : parseOrThrow(toolParams.array(), patch.tools, "agent.tools"),
    patch.mcp_servers === undefined ? current.mcp_servers : parseOrThrow(mcpServerParams.array(), patch.mcp_servers, "agent.mcp_servers"),
  );
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, path: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw badRequest(`${[path, ...issue.path.map(String)].join(".")}: ${issue.message}`);
}
