import type Anthropic from "@anthropic-ai/sdk";
import type { SessionAgent } from "../types";

export type McpPolicy = "always_allow" | "always_ask" | "auto";

/** An MCP server the agent declares together with the `mcp_toolset` that exposes it. */
export interface McpServerUse {
  name: string;
  url: string;
  /** The permission policy and enablement of one of the server's tools, as the toolset configures it. */
  policy(tool: string): McpPolicy | null;
}

/**
 * The servers whose tools the model is offered: an `mcp_servers` entry alone offers nothing, the
 * `mcp_toolset` naming it does (its defaults: enabled, always_ask, as the hosted API resolves them).
 */
export function mcpServerUses(agent: Pick<SessionAgent, "tools" | "mcp_servers">): McpServerUse[] {
  const uses: McpServerUse[] = [];
  for (const tool of agent.tools ?? []) {
    if (tool.type !== "mcp_toolset") continue;
    const server = agent.mcp_servers?.find((s) => s.name === tool.mcp_server_name);
    if (!server || uses.some((u) => u.name === server.name)) continue;
    uses.push({
      name: server.name,
      url: server.url,
      policy(name) {
        const config = tool.configs?.find((c) => c.name === name);
        const enabled = config?.enabled ?? tool.default_config?.enabled ?? true;
        if (!enabled) return null;
        return (config?.permission_policy ?? tool.default_config?.permission_policy ?? { type: "always_ask" }).type as McpPolicy;
      },
    });
  }
  return uses;
}

/**
 * The name the model sees: server and tool joined, so two servers' tools never collide. Events carry the
 * plain MCP tool name and `mcp_server_name` separately, as the contract types them.
 */
export const modelToolName = (server: string, tool: string) => sanitize(`mcp__${server}__${tool}`);

// The Messages API accepts ^[a-zA-Z0-9_-]{1,128}$ for tool names.
const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 128);

export type ModelTool = Anthropic.Tool;
