import { z } from "zod";
import type {
  BetaManagedAgentsAgentToolConfig,
  BetaManagedAgentsAgentToolset20260401,
  BetaManagedAgentsCustomTool,
  BetaManagedAgentsMCPServerURLDefinition,
  BetaManagedAgentsMCPToolset,
  BetaManagedAgentsWebFetchURLSourceToolFilter,
  BetaManagedAgentsWebFetchURLSourceUserInput,
  BetaManagedAgentsWebFetchURLSources,
} from "@anthropic-ai/sdk/resources/beta/agents/agents";
import { badRequest } from "../lib/errors";

/**
 * The `tools` and `mcp_servers` of an agent: request schemas mirroring the SDK's `*Params`,
 * and `resolveTools()`, which checks what zod cannot see (cross references, uniqueness) and
 * fills every default the response types require.
 */

export const permissionPolicy = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("always_allow") }),
  z.strictObject({ type: z.literal("always_ask") }),
  z.strictObject({ type: z.literal("auto") }),
]);
export type PermissionPolicy = z.infer<typeof permissionPolicy>;

const toolsetDefaultConfig = z
  .strictObject({
    enabled: z.boolean().nullish(),
    permission_policy: permissionPolicy.nullish(),
  })
  .nullish();

export const BUILTIN_TOOLS = ["bash", "edit", "read", "write", "glob", "grep", "web_fetch", "web_search"] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOLS)[number];

// "docs.example.com": no scheme, port or path.
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
// web_search also accepts a path suffix ("example.com/blog").
const HOSTNAME_WITH_PATH = new RegExp(`${HOSTNAME.source.slice(0, -1)}(?:/[^\\s]*)?$`);

const domains = (pattern: RegExp, what: string) =>
  z
    .array(z.string().regex(pattern, `must be a plain hostname (${what})`))
    .min(1, "must not be empty (omit the field instead)")
    .max(64);

const toolConfigBase = {
  enabled: z.boolean().nullish(),
  permission_policy: permissionPolicy.nullish(),
};
const simpleToolConfig = <N extends BuiltinToolName>(name: N) =>
  z.strictObject({ name: z.literal(name), type: z.literal(name).optional(), ...toolConfigBase });

const toolReference = z.strictObject({ name: z.string().min(1).max(128), type: z.literal("tool_reference") });
const toolReferenceList = z.array(toolReference).min(1).max(128);
const urlSourceAll = z.strictObject({ type: z.literal("all") });
const urlSourceNone = z.strictObject({ type: z.literal("none") });
const urlSourceToolFilter = z.union([
  z.enum(["all", "none"]),
  urlSourceAll,
  urlSourceNone,
  z.strictObject({ type: z.literal("only"), tools: toolReferenceList }),
  z.strictObject({ type: z.literal("except"), tools: toolReferenceList }),
]);
const urlSourceUserInput = z.union([z.enum(["all", "none"]), urlSourceAll, urlSourceNone]);
const urlSources = z.strictObject({
  client_tool_results: urlSourceToolFilter.nullish(),
  server_tool_results: urlSourceToolFilter.nullish(),
  user_input: urlSourceUserInput.nullish(),
});

const userLocation = z.strictObject({
  type: z.literal("approximate"),
  city: z.string().max(255).nullish(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, "must be a two-letter uppercase ISO 3166-1 code")
    .nullish(),
  region: z.string().max(255).nullish(),
  timezone: z.string().max(255).nullish(),
});

const agentToolConfig = z.discriminatedUnion("name", [
  simpleToolConfig("bash"),
  simpleToolConfig("edit"),
  simpleToolConfig("read"),
  simpleToolConfig("write"),
  simpleToolConfig("glob"),
  simpleToolConfig("grep"),
  z.strictObject({
    name: z.literal("web_fetch"),
    type: z.literal("web_fetch").optional(),
    ...toolConfigBase,
    allowed_domains: domains(HOSTNAME, "no scheme, port or path").optional(),
    blocked_domains: domains(HOSTNAME, "no scheme, port or path").optional(),
    max_content_tokens: z.number().int().min(1).nullish(),
    url_sources: urlSources.nullish(),
  }),
  z.strictObject({
    name: z.literal("web_search"),
    type: z.literal("web_search").optional(),
    ...toolConfigBase,
    allowed_domains: domains(HOSTNAME_WITH_PATH, "no scheme or port").optional(),
    blocked_domains: domains(HOSTNAME_WITH_PATH, "no scheme or port").optional(),
    user_location: userLocation.nullish(),
  }),
]);
type AgentToolConfigParams = z.infer<typeof agentToolConfig>;

const mcpToolConfig = z.strictObject({ name: z.string().min(1).max(128), ...toolConfigBase });

export const toolParams = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("agent_toolset_20260401"),
    configs: z.array(agentToolConfig).optional(),
    default_config: toolsetDefaultConfig,
  }),
  z.strictObject({
    type: z.literal("mcp_toolset"),
    mcp_server_name: z.string().min(1).max(255),
    configs: z.array(mcpToolConfig).optional(),
    default_config: toolsetDefaultConfig,
  }),
  z.strictObject({
    type: z.literal("custom"),
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,128}$/, "must be 1-128 characters: letters, digits, underscores and hyphens"),
    description: z.string().min(1).max(4096),
    input_schema: z.looseObject({
      type: z.literal("object"),
      properties: z.record(z.string(), z.unknown()).nullish(),
      required: z.array(z.string()).nullish(),
    }),
  }),
]);
export type ToolParams = z.infer<typeof toolParams>;

export const mcpServerParams = z.strictObject({
  type: z.literal("url"),
  name: z.string().min(1).max(255),
  url: z
    .string()
    .max(2048)
    .refine(isHttpUrl, "must be an http(s) URL"),
});

function isHttpUrl(value: string) {
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

export type McpServerParams = z.infer<typeof mcpServerParams>;

export const MAX_TOOLS = 256;
export const MAX_MCP_SERVERS = 20;

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

type UrlSourcesParams = z.infer<typeof urlSources> | BetaManagedAgentsWebFetchURLSources;

/** Responses use the object form of every url_sources value; `null` means "not set" (allow all). */
function resolveUrlSources(
  sources: UrlSourcesParams,
  path: string,
  customNames: Set<string>,
): BetaManagedAgentsWebFetchURLSources {
  const client = toFilter(sources.client_tool_results);
  const server = toFilter(sources.server_tool_results);
  const user = sources.user_input == null ? null : toFilter(sources.user_input);
  if (client?.type === "none" && server?.type === "none" && user?.type === "none") {
    throw badRequest(`${path}: setting every source to "none" leaves web_fetch nothing to fetch`);
  }
  checkToolNames(client, `${path}.client_tool_results`, (name) => customNames.has(name), "a custom tool in tools");
  checkToolNames(server, `${path}.server_tool_results`, (name) => name === "web_search" || name === "web_fetch", '"web_search" or "web_fetch"');
  return {
    client_tool_results: client,
    server_tool_results: server,
    user_input: user as BetaManagedAgentsWebFetchURLSourceUserInput | null,
  };
}

function toFilter(
  value: z.infer<typeof urlSourceToolFilter> | BetaManagedAgentsWebFetchURLSourceToolFilter | null | undefined,
): BetaManagedAgentsWebFetchURLSourceToolFilter | null {
  if (value == null) return null;
  return typeof value === "string" ? { type: value } : value;
}

function checkToolNames(
  filter: BetaManagedAgentsWebFetchURLSourceToolFilter | null,
  path: string,
  allowed: (name: string) => boolean,
  expected: string,
) {
  if (filter?.type !== "only" && filter?.type !== "except") return;
  const seen = new Set<string>();
  for (const [i, ref] of filter.tools.entries()) {
    if (!allowed(ref.name)) throw badRequest(`${path}.tools.${i}.name: "${ref.name}" must be ${expected}`);
    if (seen.has(ref.name)) throw badRequest(`${path}.tools.${i}.name: "${ref.name}" is listed twice`);
    seen.add(ref.name);
  }
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
