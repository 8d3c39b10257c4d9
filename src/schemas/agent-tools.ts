import { z } from "zod";
import { webFetchUrlSources } from "./agent-tools-url-sources";

/**
 * The `tools` and `mcp_servers` of an agent: request schemas mirroring the SDK's `*Params`. What zod cannot see
 * (cross references, uniqueness) and the defaults the response types require are `resolveTools()`'s
 * (`agent-tools-resolve.ts`).
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
    url_sources: webFetchUrlSources.nullish(),
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
export type AgentToolConfigParams = z.infer<typeof agentToolConfig>;

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
