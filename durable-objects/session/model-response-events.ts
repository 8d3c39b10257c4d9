import { denialText, evaluatePermission } from "./auto-permission";
import type { ModelResult } from "./model-call";
import type { Transition } from "./session-state";
import type { ResolvedTools } from "./tools";
import type { PendingToolUse } from "./types";
import { emitServerBlock } from "./web-tools";

/**
 * Drafts a finished model response's blocks as events: thinking, text, server tool blocks, and each tool use
 * routed and judged by its permission policy (a denied or unknown tool gets its error result at once). Returns
 * the tool uses the turn must now wait on; what the turn does next is the state machine's (`completeModelCall`).
 * `serverToolUses` carries a paused turn's server tool calls to their results.
 */
export function emitResponseBlocks(t: Transition, result: ModelResult, tools: ResolvedTools, serverToolUses: Map<string, string>): PendingToolUse[] {
  const toolUses: PendingToolUse[] = [];
  for (const block of result.blocks) {
    const id = block.eventId ? { id: block.eventId } : {};
    if (block.type === "thinking" || block.type === "redacted_thinking") {
      const { eventId: _id, ...thinking } = block;
      t.emit({ ...id, type: "agent.thinking", internal: { thinking } });
    } else if (block.type === "text") {
      if (block.text) t.emit({ ...id, type: "agent.message", content: [{ type: "text", text: block.text }] });
    } else if (block.type === "server_tool_use" || block.type === "server_tool_result") {
      emitServerBlock(t, block, tools, serverToolUses);
    } else if (block.type === "tool_use") {
      const route = tools.route(block.name);
      if (!route) {
        const eventId = t.emit({ type: "agent.tool_use", name: block.name, input: block.input, evaluated_permission: "deny" });
        t.emit({
          type: "agent.tool_result",
          tool_use_id: eventId,
          is_error: true,
          content: [{ type: "text", text: `Tool ${block.name} is not available in this session.` }],
        });
      } else if (route.kind === "mcp") {
        const permission = evaluatePermission(route.policy, "mcp", route.tool, block.input);
        const eventId = t.emit({ type: "agent.mcp_tool_use", name: route.tool, mcp_server_name: route.server, input: block.input, ...permission });
        const ask = permission.evaluated_permission === "ask";
        if (permission.evaluated_permission === "deny") {
          t.emit({ type: "agent.mcp_tool_result", mcp_tool_use_id: eventId, is_error: true, content: [{ type: "text", text: denialText(route.tool) }] });
        } else {
          toolUses.push({ eventId, name: route.tool, mcpServer: route.server, input: block.input, kind: "mcp", awaiting: ask ? "confirmation" : "result" });
        }
      } else if (route.kind === "custom") {
        const eventId = t.emit({ type: "agent.custom_tool_use", name: block.name, input: block.input });
        toolUses.push({ eventId, name: block.name, input: block.input, kind: "custom", awaiting: "result" });
      } else {
        const permission = evaluatePermission(route.policy, "builtin", block.name, block.input);
        const eventId = t.emit({ type: "agent.tool_use", name: block.name, input: block.input, ...permission });
        const ask = permission.evaluated_permission === "ask";
        if (permission.evaluated_permission === "deny") {
          t.emit({ type: "agent.tool_result", tool_use_id: eventId, is_error: true, content: [{ type: "text", text: denialText(block.name) }] });
        } else {
          toolUses.push({ eventId, name: block.name, input: block.input, kind: route.kind, awaiting: ask ? "confirmation" : "result" });
        }
      }
    }
  }
  return toolUses;
}
