import { and, eq } from "drizzle-orm";
import type { BetaManagedAgentsAgent } from "@anthropic-ai/sdk/resources/beta/agents/agents";
import type { Database } from "../client";
import { type AgentRow, type AgentVersionRow, agents, agentVersions } from "../schema";
import type { LookupAgent } from "../../schemas/agent-multiagent";

/** An agent exactly as the API renders it (the SDK's `BetaManagedAgentsAgent`). */
export type Agent = BetaManagedAgentsAgent;

/** Renders an agent at one of its versions. Every version shares the agent's identity and lifecycle. */
export function renderAgent(agent: AgentRow, version: AgentVersionRow): Agent {
  const { config } = version;
  return {
    type: "agent",
    id: agent.id,
    version: version.version,
    name: config.name,
    description: config.description,
    model: config.model,
    system: config.system,
    tools: config.tools,
    mcp_servers: config.mcp_servers,
    skills: config.skills,
    metadata: config.metadata,
    multiagent: config.multiagent,
    execution_identity: config.execution_identity,
    created_at: agent.createdAt,
    // A past version was last updated when it was written; the current one also moves on archive.
    updated_at: version.version === agent.version ? agent.updatedAt : version.createdAt,
    archived_at: agent.archivedAt,
  };
}

/** The agent row and one version row (the current one unless `version` is given), scoped to the workspace. */
export async function getAgentRows(db: Database, workspaceId: string, agentId: string, version?: number) {
  const [row] = await db
    .select({ agent: agents, version: agentVersions })
    .from(agents)
    .innerJoin(
      agentVersions,
      and(
        eq(agentVersions.agentId, agents.id),
        version === undefined ? eq(agentVersions.version, agents.version) : eq(agentVersions.version, version),
      ),
    )
    .where(and(eq(agents.workspaceId, workspaceId), eq(agents.id, agentId)))
    .limit(1);
  return row;
}

/**
 * The fully rendered agent, at its latest version or at `version`; `undefined` when the agent
 * (or that version) does not exist in the workspace. Archived agents are returned too: callers
 * that must refuse them (new sessions) check `archived_at`.
 */
export async function getAgent(
  db: Database,
  workspaceId: string,
  agentId: string,
  version?: number,
): Promise<Agent | undefined> {
  const row = await getAgentRows(db, workspaceId, agentId, version);
  return row && renderAgent(row.agent, row.version);
}

/** What a multiagent roster needs to resolve a reference, within one workspace. */
export const agentLookup =
  (db: Database, workspaceId: string): LookupAgent =>
  async (id, version) => {
    const agent = await getAgent(db, workspaceId, id, version);
    return (
      agent && {
        id: agent.id,
        version: agent.version,
        archived: agent.archived_at !== null,
        hasMultiagent: agent.multiagent !== null,
      }
    );
  };
