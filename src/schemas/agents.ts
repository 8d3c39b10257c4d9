import { z } from "zod";
import type {
  BetaManagedAgentsAgent,
  BetaManagedAgentsExecutionIdentity,
  BetaManagedAgentsModelConfig,
} from "@anthropic-ai/sdk/resources/beta/agents/agents";
import { badRequest, invalidMetadata } from "../lib/errors";
import { pageParams } from "../lib/pagination";
import { MAX_MCP_SERVERS, MAX_TOOLS, mcpServerParams, toolParams } from "./agent-tools";
import { resolveTools } from "./agent-tools-resolve";
import { type LookupAgent, multiagentParams, repinSelf, resolveMultiagent } from "./agent-multiagent";

/**
 * Request schemas for `/v1/agents` (mirroring the SDK's `Agent*Params`) and the one function,
 * `buildAgentConfig`, that turns a create or update into the next immutable configuration.
 */

const EFFORTS = ["low", "medium", "high", "xhigh", "max"] as const;
const effort = z.union([z.enum(EFFORTS), z.strictObject({ type: z.enum(EFFORTS) })]);

export const modelParams = z.union([
  z.string().min(1).max(256),
  z.strictObject({
    id: z.string().min(1).max(256),
    effort: effort.nullish(),
    inference_geo: z.string().min(1).max(64).nullish(),
    speed: z.enum(["standard", "fast"]).nullish(),
  }),
]);

const skillParams = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("anthropic"), skill_id: z.string().min(1).max(256), version: z.string().min(1).nullish() }),
  z.strictObject({ type: z.literal("custom"), skill_id: z.string().min(1).max(256), version: z.string().min(1).nullish() }),
]);

const executionIdentity = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("aws_role"),
    role_arn: z
      .string()
      .max(2048)
      .regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, "must be an IAM role ARN"),
  }),
  z.strictObject({ type: z.literal("service_account") }),
]);

const name = z
  .string()
  .max(256)
  .refine((s) => s.trim().length > 0, "must not be empty");
const description = z.string().max(2048);
const system = z.string().max(100_000);
const MAX_SKILLS = 64;

export const agentCreateParams = z.strictObject({
  name,
  model: modelParams,
  description: description.nullish(),
  system: system.nullish(),
  tools: z.array(toolParams).max(MAX_TOOLS).optional(),
  mcp_servers: z.array(mcpServerParams).max(MAX_MCP_SERVERS).optional(),
  skills: z.array(skillParams).max(MAX_SKILLS).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  multiagent: multiagentParams.nullish(),
  execution_identity: executionIdentity.nullish(),
});
export type AgentCreateParams = z.infer<typeof agentCreateParams>;

/** Omit = preserve; `null` (or empty) = clear, except `name` and `model`, which cannot be cleared. */
export const agentUpdateParams = z.strictObject({
  version: z.number().int().min(1).optional(),
  name: name.optional(),
  model: modelParams.optional(),
  description: description.nullish(),
  system: system.nullish(),
  tools: z.array(toolParams).max(MAX_TOOLS).nullish(),
  mcp_servers: z.array(mcpServerParams).max(MAX_MCP_SERVERS).nullish(),
  skills: z.array(skillParams).max(MAX_SKILLS).nullish(),
  metadata: z.record(z.string(), z.string().nullable()).nullish(),
  multiagent: multiagentParams.nullish(),
  execution_identity: executionIdentity.nullish(),
});
export type AgentUpdateParams = z.infer<typeof agentUpdateParams>;

export const agentRetrieveQuery = z.object({ version: z.coerce.number().int().min(1).optional() });

/** `?flag=true|false`, as the SDK serialises booleans. */
export const booleanQuery = z.enum(["true", "false"]).transform((v) => v === "true");
/** Any RFC 3339 / ISO timestamp, normalised to the `toISOString()` form rows store, so text comparison orders correctly. */
export const timestampQuery = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be an RFC 3339 timestamp")
  .transform((s) => new Date(s).toISOString());
export const agentListQuery = pageParams.extend({
  include_archived: booleanQuery.optional(),
  "created_at[gte]": timestampQuery.optional(),
  "created_at[lte]": timestampQuery.optional(),
});

/** Everything about an agent that a version snapshots: the response minus identity and timestamps. */
export type AgentConfig = Omit<BetaManagedAgentsAgent, "id" | "type" | "version" | "created_at" | "updated_at" | "archived_at">;

export const METADATA_LIMITS = { keys: 16, keyLength: 64, valueLength: 512 } as const;

/** The metadata limits every managed-agents resource shares: 16 keys, keys ≤ 64 chars, values ≤ 512. */
export function checkMetadata(metadata: Record<string, string>, path = "metadata") {
  const keys = Object.keys(metadata);
  if (keys.length > METADATA_LIMITS.keys) throw invalidMetadata(`${path}: at most ${METADATA_LIMITS.keys} keys are allowed`);
  for (const key of keys) {
    if (key.length === 0) throw invalidMetadata(`${path}: keys must not be empty`);
    if (key.length > METADATA_LIMITS.keyLength) {
      throw invalidMetadata(`${path}.${key}: keys must be at most ${METADATA_LIMITS.keyLength} characters`);
    }
    if (metadata[key].length > METADATA_LIMITS.valueLength) {
      throw invalidMetadata(`${path}.${key}: values must be at most ${METADATA_LIMITS.valueLength} characters`);
    }
  }
  return metadata;
}

/** Applies a metadata patch: a string upserts, `null` deletes; `null` for the whole patch clears. */
export function patchMetadata(current: Record<string, string>, patch: Record<string, string | null> | null | undefined) {
  if (patch === undefined) return current;
  if (patch === null) return {};
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

// Claude models resolve to `high` effort when none is given (docs: "Effort").
const DEFAULT_EFFORT = "high";

function resolveModel(model: z.infer<typeof modelParams>): BetaManagedAgentsModelConfig {
  const params = typeof model === "string" ? { id: model } : model;
  const effort = params.effort ?? DEFAULT_EFFORT;
  return {
    id: params.id,
    effort: typeof effort === "string" ? { type: effort } : effort,
    speed: params.speed ?? "standard",
    ...(params.inference_geo != null && { inference_geo: params.inference_geo }),
  };
}

function resolveSkills(skills: z.infer<typeof skillParams>[]): AgentConfig["skills"] {
  const seen = new Set<string>();
  return skills.map((skill, i) => {
    const key = `${skill.type}:${skill.skill_id}`;
    if (seen.has(key)) throw badRequest(`skills.${i}.skill_id: "${skill.skill_id}" is listed twice`);
    seen.add(key);
    // Pinned as given; an omitted version tracks the skill's latest.
    return { type: skill.type, skill_id: skill.skill_id, version: skill.version ?? "latest" };
  });
}

const SERVICE_ACCOUNT: BetaManagedAgentsExecutionIdentity = { type: "service_account" };

export interface BuildContext {
  agentId: string;
  /** The version number the result will be stored as. */
  version: number;
  lookupAgent: LookupAgent;
}

/**
 * The next configuration: from scratch on create (`current` undefined) or by applying an
 * update's replacement rules to `current`. Validates the result as a whole, since an update
 * can break cross references (an mcp_toolset whose server was removed, say) without touching them.
 */
export async function buildAgentConfig(
  params: AgentCreateParams | AgentUpdateParams,
  ctx: BuildContext,
  current?: AgentConfig,
): Promise<AgentConfig> {
  const owner = { id: ctx.agentId, version: ctx.version, lookup: ctx.lookupAgent };
  const pick = <K extends keyof AgentConfig>(key: K, fresh: () => AgentConfig[K]): AgentConfig[K] =>
    params[key as keyof typeof params] === undefined && current ? current[key] : fresh();

  const toolsChanged = params.tools !== undefined || params.mcp_servers !== undefined || !current;
  const { tools, mcp_servers } = toolsChanged
    ? resolveTools(
        params.tools === undefined && current ? current.tools : (params.tools ?? []),
        params.mcp_servers === undefined && current ? current.mcp_servers : (params.mcp_servers ?? []),
      )
    : current;

  const metadata = current
    ? patchMetadata(current.metadata, (params as AgentUpdateParams).metadata)
    : ((params as AgentCreateParams).metadata ?? {});

  const multiagent =
    params.multiagent === undefined
      ? repinSelf(current?.multiagent ?? null, owner)
      : params.multiagent === null
        ? null
        : await resolveMultiagent(params.multiagent, owner, current?.multiagent ?? null);

  return {
    name: pick("name", () => params.name!),
    description: pick("description", () => params.description || null),
    system: pick("system", () => params.system || null),
    model: pick("model", () => resolveModel(params.model!)),
    tools,
    mcp_servers,
    skills: pick("skills", () => resolveSkills(params.skills ?? [])),
    metadata: checkMetadata(metadata),
    multiagent,
    execution_identity: pick("execution_identity", () => params.execution_identity ?? SERVICE_ACCOUNT),
  };
}

/**
 * Whether two configurations are the same, ignoring key order and the version number that
 * `self` references carry (they always point at the version they live in).
 */
export function sameAgentConfig(a: AgentConfig, b: AgentConfig, agentId: string): boolean {
  return canonical(a, agentId) === canonical(b, agentId);
}

function canonical(value: unknown, selfId: string): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return v;
    const record = v as Record<string, unknown>;
    if (record.type === "agent" && record.id === selfId) return { type: "agent", id: selfId, version: "self" };
    return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
  });
}
