import type Anthropic from "@anthropic-ai/sdk";
import type { SessionAgent } from "./types";
import { ADVISOR_BETA, advisorModel, advisorTool } from "./advisor";
import { WEB_TOOLS, webToolDefinition, type ToolDefinition } from "./web-tools";

type Policy = "always_allow" | "always_ask" | "auto";

/** How the brain treats a tool the model called. */
export type ToolRoute =
  | { kind: "builtin"; policy: Policy }
  /** web_fetch / web_search: run by the brain or by the model's upstream, never by the hands (web-tools.ts). */
  | { kind: "server"; policy: Policy }
  | { kind: "custom" }
  | { kind: "mcp"; server: string; tool: string; policy: Policy };

/**
 * Built-in tools of `agent_toolset_20260401` that the hands execute, with input schemas mirroring the SDK's
 * `BetaManagedAgentsAgentToolset20260401*Input` types. (web_fetch and web_search: web-tools.ts.)
 */
export const BUILTIN_TOOLS: Record<string, Omit<Anthropic.Tool, "name">> = {
  bash: {
    description:
      "Run a shell command in the session's persistent bash session. Set restart=true (without command) to start a fresh shell.",
    input_schema: {
      type: "object",
      properties: {
        command: { type: "string", description: "Shell command to execute. Omit only when restart is true." },
        restart: { type: "boolean", description: "Restart the persistent bash session instead of running a command." },
        timeout_ms: { type: "integer", description: "Per-call timeout in milliseconds." },
      },
    },
  },
  read: {
    description: "Read a file. Optionally pass view_range [start_line, end_line] (1-indexed, inclusive; end 0 or negative = end of file).",
    input_schema: {
      type: "object",
      properties: {
        file_path: { type: "string", description: "Path of the file to read." },
        view_range: { type: "array", items: { type: "integer" }, minItems: 2, maxItems: 2 },
      },
      required: ["file_path"],
    },
  },
  write: {
    description: "Write a file, replacing its entire contents.",
    input_schema: {
      type: "object",
      properties: {
        file_path: { type: "string", description: "Path of the file to write." },
        content: { type: "string", description: "Full file contents to write." },
      },
      required: ["file_path", "content"],
    },
  },
  edit: {
    description: "Replace old_string with new_string in a file. old_string must occur exactly once unless replace_all is true.",
    input_schema: {
      type: "object",
      properties: {
        file_path: { type: "string", description: "Path of the file to edit." },
        old_string: { type: "string", description: "Substring to find and replace." },
        new_string: { type: "string", description: "Replacement text." },
        replace_all: { type: "boolean", description: "Replace every occurrence instead of requiring a unique match." },
      },
      required: ["file_path", "old_string", "new_string"],
    },
  },
  glob: {
    description: "List paths matching a doublestar glob pattern (e.g. **/*.ts), newest first.",
    input_schema: {
      type: "object",
      properties: {
        pattern: { type: "string", description: "Doublestar glob pattern." },
        path: { type: "string", description: "Directory to search under. Defaults to the working directory." },
      },
      required: ["pattern"],
    },
  },
  grep: {
    description: "Search file contents for a regular expression and return matching lines.",
    input_schema: {
      type: "object",
      properties: {
        pattern: { type: "string", description: "Regular expression to search for." },
        path: { type: "string", description: "Directory to search under. Defaults to the working directory." },
      },
      required: ["pattern"],
    },
  },
};

export interface ResolvedTools {
  /** What the Messages API request offers the model. */
  definitions: ToolDefinition[];
  /** Beta features the offered tools need (`anthropic-beta` of the model request). */
  betas: string[];
  route(name: string): ToolRoute | undefined;
}

/**
 * Reads the agent's tool configuration: the toolset's defaults and per-tool overrides (enabled, permission
 * policy; the toolset defaults to enabled + always_allow), and custom tools as given, then the MCP tools
 * the session's servers listed (`mcp`), and the multiagent advisor when the agent enables one (advisor.ts).
 */
export function resolveTools(
  agent: Pick<SessionAgent, "tools"> & Partial<Pick<SessionAgent, "multiagent">>,
  mcp?: { definitions: Anthropic.Tool[]; routes: Map<string, ToolRoute> },
): ResolvedTools {
  const routes = new Map<string, ToolRoute>();
  const definitions: ToolDefinition[] = [];
  for (const tool of agent.tools ?? []) {
    if (tool.type === "agent_toolset_20260401") {
      const defaults = tool.default_config ?? { enabled: true, permission_policy: { type: "always_allow" } };
      for (const [name, definition] of Object.entries(BUILTIN_TOOLS)) {
        const config = tool.configs?.find((c) => c.name === name);
        const enabled = config?.enabled ?? defaults.enabled ?? true;
        if (!enabled || routes.has(name)) continue;
        const policy = (config?.permission_policy ?? defaults.permission_policy ?? { type: "always_allow" }).type as Policy;
        routes.set(name, { kind: "builtin", policy });
        definitions.push({ name, ...definition });
      }
      for (const name of WEB_TOOLS) {
        const config = tool.configs?.find((c) => c.name === name);
        if (!(config?.enabled ?? defaults.enabled ?? true) || routes.has(name)) continue;
        const policy = (config?.permission_policy ?? defaults.permission_policy ?? { type: "always_allow" }).type as Policy;
        routes.set(name, { kind: "server", policy });
        definitions.push(webToolDefinition(name, config));
      }
    } else if (tool.type === "custom") {
      if (routes.has(tool.name)) continue;
      routes.set(tool.name, { kind: "custom" });
      definitions.push({
        name: tool.name,
        description: tool.description,
        input_schema: tool.input_schema as Anthropic.Tool["input_schema"],
      });
    }
  }
  // MCP tools (listed from their servers by durable-objects/session/mcp) come after the agent's own.
  for (const definition of mcp?.definitions ?? []) {
    if (routes.has(definition.name)) continue;
    routes.set(definition.name, mcp!.routes.get(definition.name)!);
    definitions.push(definition);
  }
  const betas: string[] = [];
  const advisor = advisorModel(agent);
  if (advisor && !routes.has("advisor")) {
    // Run by the upstream inside the request (advisor.ts): nothing to hold for permission.
    routes.set("advisor", { kind: "server", policy: "always_allow" });
    definitions.push(advisorTool(advisor));
    betas.push(ADVISOR_BETA);
  }
  return { definitions, betas, route: (name) => routes.get(name) };
}
