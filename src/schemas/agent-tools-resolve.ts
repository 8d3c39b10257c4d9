import type {
  BetaManagedAgentsAgentToolConfig,
  BetaManagedAgentsAgentToolset20260401,
  BetaManagedAgentsCustomTool,
  BetaManagedAgentsMCPServerURLDefinition,
  BetaManagedAgentsMCPToolset,
} from "@anthropic-ai/sdk/resources/beta/agents/agents";
import { badRequest } from "../lib/errors";
import type { AgentToolConfigParams, McpServerParams, PermissionPolicy, ToolParams } from "./agent-tools";
import { resolveUrlSources } from "./agent-tools-url-sources";

export type Tool = BetaManagedAgentsAgentToolset20260401 | BetaManagedAgentsMCPToolset | BetaManagedAgentsCustomTool;

/**
 * Validates the tools and servers an agent will end up with (after an update's replacement
 * rules) and renders them fully resolved: every toolset carries `default_config` and `configs`
 * with concrete `enabled` / `permission_policy`, inherited from the toolset's default.
 */
export function resolveTools(
  tools: ToolParams[] | Tool[],
  servers: McpServerParams[] | BetaManagedAgentsMCPServerURLDefinition[],
): { tools: Tool[]; mcp_servers: BetaManagedAgentsMCPServerURLDefinition[] } {
  const serverNames = new Set<string>();
  for (const [i, server] of servers.entries()) {
    if (serverNames.has(server.name)) throw badRequest(`mcp_servers.${i}.name: duplicate MCP server name "${server.name}"`);
    serverNames.add(server.name);
  }

  const customNames = new Set<string>();
  for (const tool of tools) if (tool.type === "custom") customNames.add(tool.name);

  const referenced = new Set<string>();
  const seenCustom = new Set<string>();
  let agentToolsets = 0;
  const resolved = tools.map((tool, i): Tool => {
    const path = `tools.${i}`;
    switch (tool.type) {
      case "agent_toolset_20260401":
        if (++agentToolsets > 1) throw badRequest(`${path}: only one agent_toolset_20260401 is allowed`);
        return resolveAgentToolset(tool, path, customNames);
      case "mcp_toolset":
        if (!serverNames.has(tool.mcp_server_name)) {
          throw badRequest(`${path}.mcp_server_name: "${tool.mcp_server_name}" does not match any server in mcp_servers`);
        }
        if (referenced.has(tool.mcp_server_name)) {
          throw badRequest(`${path}.mcp_server_name: MCP server "${tool.mcp_server_name}" already has a toolset`);
        }
        referenced.add(tool.mcp_server_name);
        return resolveMcpToolset(tool, path);
      case "custom":
        if (seenCustom.has(tool.name)) throw badRequest(`${path}.name: duplicate tool name "${tool.name}"`);
        seenCustom.add(tool.name);
        return { type: "custom", name: tool.name, description: tool.description, input_schema: tool.input_schema };
    }
  });

  for (const [i, server] of servers.entries()) {
    if (!referenced.has(server.name)) {
      throw badRequest(`mcp_servers.${i}: MCP server "${server.name}" is not referenced by any mcp_toolset in tools`);
    }
  }
  return { tools: resolved, mcp_servers: servers.map((s) => ({ type: "url", name: s.name, url: s.url })) };
}

type ToolsetParams = { default_config?: { enabled?: boolean | null; permission_policy?: PermissionPolicy | null } | null };

function resolveDefault(tool: ToolsetParams, fallback: PermissionPolicy) {
  return {
    enabled: tool.default_config?.enabled ?? true,
    permission_policy: tool.default_config?.permission_policy ?? fallback,
  };
}

function uniqueByName<T extends { name: string }>(configs: T[], path: string): T[] {
  const seen = new Set<string>();
  for (const [i, config] of configs.entries()) {
    if (seen.has(config.name)) throw badRequest(`${path}.configs.${i}.name: "${config.name}" is configured twice`);
    seen.add(config.name);
  }
  return configs;
}

function resolveAgentToolset(
  tool: Extract<ToolParams, { type: "agent_toolset_20260401" }> | BetaManagedAgentsAgentToolset20260401,
  path: string,
  customNames: Set<string>,
): BetaManagedAgentsAgentToolset20260401 {
  // Agent tools run unattended unless told otherwise (docs: "Permission policies").
  const defaults = resolveDefault(tool, { type: "always_allow" });
  const configs = uniqueByName<AgentToolConfigParams | BetaManagedAgentsAgentToolConfig>(tool.configs ?? [], path);
  return {
    type: "agent_toolset_20260401",
    default_config: defaults,
    configs: configs.map((config, i) => resolveAgentToolConfig(config, defaults, `${path}.configs.${i}`, customNames)),
  };
}

function resolveAgentToolConfig(
  config: AgentToolConfigParams | BetaManagedAgentsAgentToolConfig,
  defaults: { enabled: boolean; permission_policy: PermissionPolicy },
  path: string,
  customNames: Set<string>,
): BetaManagedAgentsAgentToolConfig {
  const base = {
    enabled: config.enabled ?? defaults.enabled,
    permission_policy: config.permission_policy ?? defaults.permission_policy,
  };
  switch (config.name) {
    case "web_fetch": {
      const { allowed_domains, blocked_domains } = oneDomainList(config, path);
      return {
        name: "web_fetch",
        type: "web_fetch",
        ...base,
        ...(allowed_domains && { allowed_domains }),
        ...(blocked_domains && { blocked_domains }),
        max_content_tokens: config.max_content_tokens ?? null,
        url_sources: config.url_sources ? resolveUrlSources(config.url_sources, `${path}.url_sources`, customNames) : null,
      };
    }
    case "web_search": {
      const { allowed_domains, blocked_domains } = oneDomainList(config, path);
      return {
        name: "web_search",
        type: "web_search",
        ...base,
        ...(allowed_domains && { allowed_domains }),
        ...(blocked_domains && { blocked_domains }),
        ...(config.user_location && { user_location: config.user_location }),
      };
    }
    default:
      return { name: config.name, type: config.name, ...base } as BetaManagedAgentsAgentToolConfig;
  }
}

function oneDomainList<T extends { allowed_domains?: string[]; blocked_domains?: string[] }>(config: T, path: string) {
  if (config.allowed_domains && config.blocked_domains) {
    throw badRequest(`${path}: allowed_domains and blocked_domains cannot be combined`);
  }
  return config;
}

function resolveMcpToolset(
  tool: Extract<ToolParams, { type: "mcp_toolset" }> | BetaManagedAgentsMCPToolset,
  path: string,
): BetaManagedAgentsMCPToolset {
  // A server can grow new tools at any time, so they wait for approval unless told otherwise.
  const defaults = resolveDefault(tool, { type: "always_ask" });
  return {
    type: "mcp_toolset",
    mcp_server_name: tool.mcp_server_name,
    default_config: defaults,
    configs: uniqueByName(tool.configs ?? [], path).map((config) => ({
      name: config.name,
      enabled: config.enabled ?? defaults.enabled,
      permission_policy: config.permission_policy ?? defaults.permission_policy,
    })),
  };
}
