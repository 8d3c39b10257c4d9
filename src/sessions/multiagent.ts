import type { BetaManagedAgentsAgentReference, BetaManagedAgentsSessionThreadAgent } from "@anthropic-ai/sdk/resources/beta/agents/agents";
import type { BetaManagedAgentsSessionMultiagent } from "@anthropic-ai/sdk/resources/beta/sessions/sessions";
import type { Database } from "../db/client";
import { getAgent, type Agent } from "../db/queries/agents";
import { badRequest } from "../lib/errors";

/** An agent version as a session copies it: everything a thread runs on (the roster is resolved apart). */
export function agentDefinition(agent: Agent): BetaManagedAgentsSessionThreadAgent {
  return {
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
  };
}

/**
 * The session's copy of its agent's `multiagent`: every roster reference (already pinned to a version when the
 * agent was saved) resolved to the full agent definition, as the SDK's `BetaManagedAgentsSessionMultiagent`
 * types it. The session's threads spawn from this snapshot, so later edits to roster agents never reach it.
 */
export async function resolveSessionMultiagent(
  db: Database,
  workspaceId: string,
  multiagent: Agent["multiagent"],
): Promise<BetaManagedAgentsSessionMultiagent | null> {
  if (!multiagent) return null;
  const definition = async (ref: BetaManagedAgentsAgentReference): Promise<BetaManagedAgentsSessionThreadAgent> => {
    const agent = await getAgent(db, workspaceId, ref.id, ref.version);
    if (!agent) throw badRequest(`agent: its multiagent roster names agent ${ref.id} version ${ref.version}, which no longer exists`);
    return agentDefinition(agent);
  };
  if (multiagent.type === "coordinator") {
    const agents = await Promise.all(multiagent.agents.map((entry) => (entry.type === "advisor" ? entry : definition(entry))));
    return { type: "coordinator", agents };
  }
  const spawning = async (s: typeof multiagent.subagents | typeof multiagent.workflows) =>
    s.type === "enabled" ? { ...s, predefined_agents: await Promise.all(s.predefined_agents.map(definition)) } : { type: "disabled" as const };
  return {
    type: "multiagent_20261001",
    advisor: multiagent.advisor,
    subagents: await spawning(multiagent.subagents),
    workflows: await spawning(multiagent.workflows),
  };
}
