import { z } from "zod";
import { resolveFileMountPath } from "../sessions/file-mount-path";
import { memoryMountPaths } from "../sessions/memory-mount-path";
import type { BetaManagedAgentsSession } from "@anthropic-ai/sdk/resources/beta/sessions/sessions";
import type { SessionRow, StoredResource } from "../db/schema/sessions";
import { newId } from "../lib/ids";
import { metadata, metadataPatch } from "./vaults";
import { initialEvents } from "./events";
import { timestampQuery } from "./agents";

// Zod mirrors of the SDK's session params (`SessionCreateParams`, `SessionUpdateParams`, `SessionListParams`)
// and the rendering of a row as `BetaManagedAgentsSession`.

const id = z.string().min(1).max(128);

/** Tool configuration as the agents API takes it; the agents module owns its finer validation. */
const toolParams = z.array(z.looseObject({ type: z.enum(["agent_toolset_20260401", "mcp_toolset", "custom"]) }));
const mcpServerParams = z.array(z.looseObject({ type: z.literal("url"), name: z.string().min(1), url: z.string().url() }));

export const agentRef = z.union([
  id,
  z.strictObject({ type: z.literal("agent"), id, version: z.number().int().min(1).optional() }),
  z.strictObject({
    type: z.literal("agent_with_overrides"),
    id,
    version: z.number().int().min(1).optional(),
    model: z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) })]).optional(),
    system: z.string().max(100_000).nullable().optional(),
    tools: toolParams.optional(),
    mcp_servers: mcpServerParams.optional(),
    skills: z.array(z.looseObject({ type: z.enum(["anthropic", "custom"]), skill_id: z.string().min(1) })).optional(),
  }),
]);
export type AgentRef = z.infer<typeof agentRef>;

const mountPath = z.string().min(1).max(1024).nullish();

const resourceParams = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("github_repository"),
    url: z.string().url(),
    authorization_token: z.string().min(1).optional(),
    checkout: z
      .discriminatedUnion("type", [
        z.strictObject({ type: z.literal("branch"), name: z.string().min(1) }),
        z.strictObject({ type: z.literal("commit"), sha: z.string().min(1) }),
      ])
      .nullish(),
    mount_path: mountPath,
  }),
  z.strictObject({ type: z.literal("file"), file_id: id, mount_path: mountPath }),
  z.strictObject({
    type: z.literal("memory_store"),
    memory_store_id: id,
    access: z.enum(["read_write", "read_only"]).nullish(),
    instructions: z.string().max(4096).nullish(),
  }),
]);
export type ResourceParams = z.infer<typeof resourceParams>;

/** `BetaManagedAgentsBudgetLimit`: a ceiling on list cost, in minor units of USD. */
export const budgetLimit = z.strictObject({
  type: z.literal("limit"),
  max_list_cost: z.strictObject({
    amount: z.string().regex(/^(0|[1-9][0-9]*)$/, "must be an integer amount in minor units, e.g. \"2500\" for $25.00"),
    currency: z.literal("USD"),
  }),
});

export const createSessionBody = z.strictObject({
  agent: agentRef,
  environment_id: id,
  budget: budgetLimit.optional(),
  initial_events: initialEvents.optional(),
  metadata: metadata.optional(),
  resources: z.array(resourceParams).max(100).optional(),
  title: z.string().max(1024).nullish(),
  vault_ids: z.array(id).max(100).optional(),
});

export type CreateSessionBody = z.infer<typeof createSessionBody>;

export const updateSessionBody = z.strictObject({
  agent: z.strictObject({ tools: toolParams.optional(), mcp_servers: mcpServerParams.optional() }).optional(),
  budget: z.unknown().optional(),
  metadata: metadataPatch.optional(),
  title: z.string().max(1024).nullish(),
  vault_ids: z.array(id).optional(),
});

const statuses = z.enum(["rescheduling", "running", "idle", "terminated"]);

/** `sessions.list` query; arrays come as `statuses[]` (the SDK's bracket format), one value or several. */
export const listSessionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(20),
  page: z.string().min(1).optional(),
  order: z.enum(["asc", "desc"]).default("desc"),
  agent_id: id.optional(),
  agent_version: z.coerce.number().int().min(1).optional(),
  "created_at[gt]": timestampQuery.optional(),
  "created_at[gte]": timestampQuery.optional(),
  "created_at[lt]": timestampQuery.optional(),
  "created_at[lte]": timestampQuery.optional(),
  deployment_id: id.optional(),
  include_archived: z.stringbool().default(false),
  memory_store_id: id.optional(),
  "statuses[]": z.union([statuses, z.array(statuses)]).optional(),
  statuses: z.union([statuses, z.array(statuses)]).optional(),
});
export type ListSessionsQuery = z.infer<typeof listSessionsQuery>;

/** What a `memory_store` resource snapshots of its store when attached. */
export interface AttachedStore {
  name: string;
  description: string;
}

/**
 * Resources as stored: ids and timestamps assigned, defaults resolved, the token kept for the hands only
 * (the caller seals it before writing: `sealRepositoryTokens`), memory stores' names and descriptions
 * snapshotted (`stores` holds them by id) and their mount paths derived from the names.
 */
export function storeResources(params: ResourceParams[], now: string, stores: ReadonlyMap<string, AttachedStore> = new Map()): StoredResource[] {
  const memoryParams = params.flatMap((r) => (r.type === "memory_store" ? [r] : []));
  const mountPaths = new Map(
    memoryMountPaths(memoryParams.map((r) => ({ id: r.memory_store_id, name: stores.get(r.memory_store_id)?.name ?? r.memory_store_id }))).map(
      (path, i) => [memoryParams[i], path],
    ),
  );
  return params.map((r) => {
    const base = { id: newId("sesrsc"), created_at: now, updated_at: now };
    switch (r.type) {
      case "github_repository":
        return {
          ...base,
          type: r.type,
          url: r.url,
          mount_path: r.mount_path ?? `/workspace/${repoName(r.url)}`,
          checkout: r.checkout ?? null,
          ...(r.authorization_token ? { authorization_token: r.authorization_token } : {}),
        };
      case "file":
        return { ...base, type: r.type, file_id: r.file_id, mount_path: resolveFileMountPath(r.mount_path, r.file_id) };
      case "memory_store": {
        const store = stores.get(r.memory_store_id);
        return {
          ...base,
          type: r.type,
          memory_store_id: r.memory_store_id,
          name: store?.name ?? null,
          mount_path: mountPaths.get(r)!,
          access: r.access ?? "read_write",
          description: store?.description ?? "",
          instructions: r.instructions ?? null,
        };
      }
    }
  });
}

const repoName = (url: string) => new URL(url).pathname.split("/").filter(Boolean).pop()?.replace(/\.git$/, "") ?? "repo";

/** A resource as the API shows it: never its authorization token, sealed or not (sessions/repository-token.ts). */
export function resourceJson(r: StoredResource) {
  const { authorization_token: _secret, sealed_authorization_token: _sealed, ...visible } = r;
  return visible;
}

/** A session's usage before its first model request. */
export const emptyUsage = () => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
});

/** The SDK's `BetaManagedAgentsSession`. Stats derive from the mirrored running time. */
export function sessionJson(row: SessionRow, now = Date.now()): BetaManagedAgentsSession {
  const running = row.status === "running" && row.runningSince ? Math.max(0, (now - Date.parse(row.runningSince)) / 1000) : 0;
  const end = row.status === "terminated" ? Date.parse(row.updatedAt) : now;
  return {
    type: "session",
    id: row.id,
    agent: row.agent,
    archived_at: row.archivedAt,
    budget: row.budget ?? null,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    environment_id: row.environmentId,
    metadata: row.metadata,
    outcome_evaluations: row.outcomeEvaluations ?? [],
    resources: row.resources.map(resourceJson) as unknown as BetaManagedAgentsSession["resources"],
    stats: {
      active_seconds: round(row.activeSeconds + running),
      duration_seconds: round(Math.max(0, (end - Date.parse(row.createdAt)) / 1000)),
    },
    status: row.status,
    title: row.title,
    usage: row.usage,
    vault_ids: row.vaultIds,
    deployment_id: row.deploymentId,
  };
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
