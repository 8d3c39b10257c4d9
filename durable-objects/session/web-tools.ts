import type Anthropic from "@anthropic-ai/sdk";
import type { BetaManagedAgentsAgentToolConfig } from "@anthropic-ai/sdk/resources/beta/agents/agents";
import { advisorResultContent, type AdvisorTool } from "./advisor";
import type { ModelBlock } from "./model-call";
import type { Transition } from "./session-state";
import type { ResolvedTools } from "./tools";
import type { EventDraft } from "./types";

/**
 * `web_search` and `web_fetch` of `agent_toolset_20260401`. Neither runs in the hands (a sandbox or the
 * customer's worker never sees them):
 *
 * - web_search is the Messages API's server tool (`web_search_20250305`, with the agent's allowed/blocked
 *   domains and user location), so the model's upstream runs the search inside the model request. Its
 *   `server_tool_use` / `web_search_tool_result` blocks become `agent.tool_use` / `agent.tool_result`
 *   events and are replayed verbatim (encrypted content included) in later requests. The call has already
 *   run when the server sees it, so its permission policy cannot hold it: it reads as allowed.
 * - web_fetch is offered as a plain tool and run by the session's brain in the Worker (web-fetch.ts): the
 *   domain rules, `url_sources` and `max_content_tokens` are enforced there, without any vault secret.
 */
export const WEB_TOOLS = ["web_fetch", "web_search"] as const;
export type WebToolName = (typeof WEB_TOOLS)[number];

export type ToolDefinition = Anthropic.Tool | Anthropic.WebSearchTool20250305 | AdvisorTool;

const WEB_FETCH: Anthropic.Tool = {
  name: "web_fetch",
  description:
    "Fetch a web page or document by URL and return its text content (HTML is reduced to text; long content is truncated). " +
    "Only http(s) URLs; the agent's configuration may restrict domains and which URLs may be fetched.",
  input_schema: {
    type: "object",
    properties: { url: { type: "string", description: "The absolute http(s) URL to fetch." } },
    required: ["url"],
  },
};

/** The Messages API tool for a web tool, from the agent's resolved config (absent: the toolset default). */
export function webToolDefinition(name: WebToolName, config?: BetaManagedAgentsAgentToolConfig): ToolDefinition {
  if (name === "web_fetch") return WEB_FETCH;
  const search = config?.name === "web_search" ? config : undefined;
  return {
    type: "web_search_20250305",
    name: "web_search",
    ...(search?.allowed_domains && { allowed_domains: search.allowed_domains }),
    ...(search?.blocked_domains && { blocked_domains: search.blocked_domains }),
    ...(search?.user_location && { user_location: search.user_location }),
  };
}

type ServerBlock = Extract<ModelBlock, { type: "server_tool_use" | "server_tool_result" }>;

/**
 * A server tool block of the model's answer (web_search's, the advisor's: advisor.ts) as the contract's events. `ids` maps the upstream's
 * `srvtoolu_` ids to the `agent.tool_use` event ids, so a result names its call's event.
 */
export function emitServerBlock(t: Transition, block: ServerBlock, tools: ResolvedTools, ids: Map<string, string>) {
  if (block.type === "server_tool_use") {
    const route = tools.route(block.name);
    const policy = route && "policy" in route ? route.policy : undefined;
    const eventId = t.emit({
      type: "agent.tool_use",
      name: block.name,
      input: block.input,
      evaluated_permission: "allow",
      evaluation: policy === "auto" ? { type: "auto", evaluated_permission: { type: "allow" } } : { type: "always_allow" },
      internal: { serverBlock: { type: "server_tool_use", id: block.id, name: block.name, input: block.input } },
    } as EventDraft);
    ids.set(block.id, eventId);
    return;
  }
  const raw = block.block;
  const toolUseId = ids.get(String(raw.tool_use_id));
  // A result without its call in this answer cannot be tied to an event; it is kept for replay only.
  if (!toolUseId) return;
  const { content, isError } = advisorResultContent(raw) ?? resultContent(raw);
  t.emit({ type: "agent.tool_result", tool_use_id: toolUseId, content, is_error: isError, internal: { serverBlock: raw } } as EventDraft);
}

/** A server tool's result block as the event's content: search results as `search_result` blocks. */
function resultContent(raw: Record<string, unknown>): { content: unknown[]; isError: boolean } {
  const content = raw.content;
  if (Array.isArray(content)) {
    return {
      isError: false,
      content: content
        .filter((r): r is Record<string, string> => !!r && typeof r === "object" && typeof r.url === "string")
        .map((r) => ({
          type: "search_result",
          source: r.url,
          title: r.title ?? r.url,
          content: [{ type: "text", text: r.page_age ? `${r.title ?? r.url} (${r.page_age})` : (r.title ?? r.url) }],
          citations: { enabled: true },
        })),
    };
  }
  const code = content && typeof content === "object" ? (content as { error_code?: string }).error_code : undefined;
  return { isError: true, content: [{ type: "text", text: `${String(raw.type)}: ${code ?? "error"}` }] };
}

/**
 * A stored server block as the assistant content of a later request: verbatim while the tool is still
 * offered, as text otherwise (the API refuses server tool blocks for tools the request does not offer).
 */
export function replayServerBlock(block: Record<string, unknown>, offered: ReadonlySet<string>): Anthropic.ContentBlockParam {
  const name = block.type === "server_tool_use" ? String(block.name) : String(block.type).replace(/_tool_result$/, "");
  if (offered.has(name)) return block as unknown as Anthropic.ContentBlockParam;
  const summary = block.type === "server_tool_use" ? `[called ${name} with ${JSON.stringify(block.input)}]` : `[${name} returned a result]`;
  return { type: "text", text: summary };
}
