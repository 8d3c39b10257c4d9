import { z } from "zod";
import type {
  BetaManagedAgentsAdvisor,
  BetaManagedAgentsAgentReference,
  BetaManagedAgentsMultiagent20261001,
  BetaManagedAgentsMultiagentCoordinator,
  BetaManagedAgentsMultiagentInlineAgents,
  BetaManagedAgentsMultiagentSubagents,
  BetaManagedAgentsMultiagentWorkflows,
} from "@anthropic-ai/sdk/resources/beta/agents/agents";
import { badRequest } from "../lib/errors";

/**
 * An agent's `multiagent` configuration: request schemas, resolution of every roster entry to
 * a concrete `{type:"agent", id, version}`, and the level-by-level merge that updates of
 * `multiagent_20261001` use.
 */

const agentRef = z.strictObject({ type: z.literal("agent"), id: z.string().min(1), version: z.number().int().min(1).optional() });
const selfRef = z.strictObject({ type: z.literal("self") });
const predefinedAgent = z.union([z.string().min(1), agentRef, selfRef]);
const rosterEntry = z.union([
  z.string().min(1),
  agentRef,
  selfRef,
  z.strictObject({ type: z.literal("advisor"), model: z.string().min(1) }),
]);

const enabled = z.strictObject({ type: z.literal("enabled") });
const disabled = z.strictObject({ type: z.literal("disabled") });
const inlineAgents = z.discriminatedUnion("type", [enabled, disabled]);
const spawning = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("enabled"),
    inline_agents: inlineAgents.nullish(),
    predefined_agents: z.array(predefinedAgent).max(20).nullish(),
  }),
  disabled,
]);

export const multiagentParams = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("coordinator"), agents: z.array(rosterEntry).min(1).max(20) }),
  z.strictObject({
    type: z.literal("multiagent_20261001"),
    advisor: z
      .discriminatedUnion("type", [z.strictObject({ type: z.literal("enabled"), model: z.string().min(1) }), disabled])
      .nullish(),
    subagents: spawning.nullish(),
    workflows: spawning.nullish(),
  }),
]);
export type MultiagentParams = z.infer<typeof multiagentParams>;
export type Multiagent = BetaManagedAgentsMultiagentCoordinator | BetaManagedAgentsMultiagent20261001;

/** What resolution needs to know about a referenced agent. */
export interface AgentRefTarget {
  id: string;
  version: number;
  archived: boolean;
  hasMultiagent: boolean;
}
export type LookupAgent = (id: string, version?: number) => Promise<AgentRefTarget | undefined>;

interface Owner {
  /** The agent this configuration belongs to; `self` resolves to it. */
  id: string;
  /** The version being written; `self` pins to it. */
  version: number;
  lookup: LookupAgent;
}

type SpawningParams = z.infer<typeof spawning>;
type Spawning = BetaManagedAgentsMultiagentSubagents | BetaManagedAgentsMultiagentWorkflows;
const ENABLED: BetaManagedAgentsMultiagentInlineAgents = { type: "enabled" };

/**
 * Resolves the params into the stored/rendered form. On update, `stored` is the current
 * configuration: a `multiagent_20261001` sent over a stored one of the same type is merged
 * into it (omitted keys keep their value, `null` takes the default).
 */
export async function resolveMultiagent(
  params: MultiagentParams,
  owner: Owner,
  stored: Multiagent | null = null,
): Promise<Multiagent> {
  if (params.type === "coordinator") return resolveCoordinator(params.agents, owner);

  const base = stored?.type === "multiagent_20261001" ? stored : undefined;
  const advisor =
    params.advisor === undefined && base
      ? base.advisor
      : params.advisor == null
        ? { type: "disabled" as const }
        : params.advisor;
  const subagents = await mergeSpawning(params.subagents, base?.subagents, owner, "multiagent.subagents");
  const workflows = await mergeSpawning(params.workflows, base?.workflows, owner, "multiagent.workflows");
  return { type: "multiagent_20261001", advisor, subagents, workflows };
}

/** Re-pins `self` references to the version being written, so a preserved roster follows its owner. */
export function repinSelf(multiagent: Multiagent | null, owner: { id: string; version: number }): Multiagent | null {
  if (!multiagent) return null;
  const repin = <T extends BetaManagedAgentsAgentReference | BetaManagedAgentsAdvisor>(ref: T): T =>
    ref.type === "agent" && ref.id === owner.id ? { ...ref, version: owner.version } : ref;
  if (multiagent.type === "coordinator") return { ...multiagent, agents: multiagent.agents.map(repin) };
  const spawn = <S extends Spawning>(s: S): S =>
    s.type === "enabled" ? { ...s, predefined_agents: s.predefined_agents.map(repin) } : s;
  return { ...multiagent, subagents: spawn(multiagent.subagents), workflows: spawn(multiagent.workflows) };
}

async function resolveCoordinator(
  entries: z.infer<typeof rosterEntry>[],
  owner: Owner,
): Promise<BetaManagedAgentsMultiagentCoordinator> {
  let advisors = 0;
  const agents: (BetaManagedAgentsAgentReference | BetaManagedAgentsAdvisor)[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    const path = `multiagent.agents.${i}`;
    if (typeof entry !== "string" && entry.type === "advisor") {
      if (++advisors > 1) throw badRequest(`${path}: at most one advisor entry is allowed`);
      agents.push({ type: "advisor", model: entry.model });
      continue;
    }
    // Depth limit 1: a coordinator's roster cannot itself coordinate (its own `self` aside).
    const ref = await resolveRef(entry, owner, path, { forbidMultiagent: true });
    if (seen.has(ref.id)) throw badRequest(`${path}: agent ${ref.id} appears more than once`);
    seen.add(ref.id);
    agents.push(ref);
  }
  return { type: "coordinator", agents };
}

async function mergeSpawning(
  params: SpawningParams | null | undefined,
  stored: Spawning | undefined,
  owner: Owner,
  path: string,
): Promise<Spawning> {
  if (params === undefined && stored) return stored;
  if (params == null) return { type: "enabled", inline_agents: ENABLED, predefined_agents: [] };
  if (params.type === "disabled") return { type: "disabled" };

  const base = stored?.type === "enabled" ? stored : undefined;
  const inline_agents =
    params.inline_agents === undefined && base ? base.inline_agents : (params.inline_agents ?? ENABLED);
  let predefined_agents: BetaManagedAgentsAgentReference[] = [];
  if (params.predefined_agents === undefined && base) {
    predefined_agents = base.predefined_agents;
  } else {
    const seen = new Set<string>();
    for (const [i, entry] of (params.predefined_agents ?? []).entries()) {
      const ref = await resolveRef(entry, owner, `${path}.predefined_agents.${i}`, { forbidMultiagent: false });
      if (seen.has(ref.id)) throw badRequest(`${path}.predefined_agents.${i}: agent ${ref.id} appears more than once`);
      seen.add(ref.id);
      predefined_agents.push(ref);
    }
  }
  if (inline_agents.type === "disabled" && predefined_agents.length === 0) {
    throw badRequest(`${path}.predefined_agents: must name at least one agent when inline_agents is disabled`);
  }
  return { type: "enabled", inline_agents, predefined_agents };
}

async function resolveRef(
  entry: string | z.infer<typeof agentRef> | z.infer<typeof selfRef>,
  owner: Owner,
  path: string,
  opts: { forbidMultiagent: boolean },
): Promise<BetaManagedAgentsAgentReference> {
  if (typeof entry !== "string" && entry.type === "self") {
    return { type: "agent", id: owner.id, version: owner.version };
  }
  const id = typeof entry === "string" ? entry : entry.id;
  const version = typeof entry === "string" ? undefined : entry.version;
  if (id === owner.id) throw badRequest(`${path}: use {"type":"self"} to reference the agent itself`);
  const target = await owner.lookup(id, version);
  if (!target) throw badRequest(`${path}: agent ${id}${version ? ` version ${version}` : ""} not found`);
  if (target.archived) throw badRequest(`${path}: agent ${id} is archived`);
  if (opts.forbidMultiagent && target.hasMultiagent) {
    throw badRequest(`${path}: agent ${id} has multiagent set itself; rosters are one level deep`);
  }
  return { type: "agent", id: target.id, version: target.version };
}
