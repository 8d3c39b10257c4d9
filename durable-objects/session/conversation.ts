import type Anthropic from "@anthropic-ai/sdk";
import { modelToolName } from "./mcp/config";
import { outcomeText } from "./outcome-text";
import { replayServerBlock } from "./web-tools";
import type { StoredEvent } from "./types";

type UserBlock = Anthropic.ContentBlockParam;
type AssistantBlock = Anthropic.ContentBlockParam;

/**
 * Rebuilds the Messages API conversation from the event log, which is the only memory the brain has.
 * One model request (its start and end span) is one assistant message: thinking blocks (replayed with
 * their signatures), text, and tool uses whose ids are the tool-use event ids. Everything users and tools
 * add between two model requests becomes one user message: the results of the previous assistant
 * message's tool uses first, in call order (as the API requires), then any user messages.
 *
 * A call to a tool the request does not offer (the model named a tool that does not exist, or a session
 * update removed it) is replayed as text on both sides: the API refuses tool_use blocks for unknown tools.
 */
export function buildMessages(events: Iterable<StoredEvent>, offered: ReadonlySet<string>): Anthropic.MessageParam[] {
  const messages: Anthropic.MessageParam[] = [];
  const unoffered = new Map<string, string>();
  let assistant: AssistantBlock[] | null = null;
  let openToolUses: string[] = [];
  const results = new Map<string, Anthropic.ToolResultBlockParam>();
  let userText: UserBlock[] = [];

  const push = (role: "user" | "assistant", content: Anthropic.ContentBlockParam[]) => {
    const last = messages[messages.length - 1];
    if (last && last.role === role) (last.content as Anthropic.ContentBlockParam[]).push(...content);
    else messages.push({ role, content });
  };

  const flushUser = () => {
    const blocks: UserBlock[] = openToolUses.map(
      (id) =>
        results.get(id) ?? {
          type: "tool_result",
          tool_use_id: id,
          is_error: true,
          content: "The tool call did not complete.",
        },
    );
    blocks.push(...userText);
    if (blocks.length) push("user", blocks);
    openToolUses = [];
    results.clear();
    userText = [];
  };

  const all = [...events];
  // A compaction's summary replaces everything it covers (compaction.ts).
  const compacted = all.findLast((e) => e.event.type === "agent.thread_context_compacted" && e.internal?.compaction)?.internal?.compaction;
  if (compacted) userText.push({ type: "text", text: `Summary of the earlier conversation:\n${compacted.summary}` });
  for (const { seq, event, internal } of all) {
    if (compacted && seq <= compacted.throughSeq) continue;
    switch (event.type) {
      case "span.model_request_start":
        flushUser();
        assistant = [];
        break;
      case "agent.thinking":
        if (internal?.thinking) assistant?.push(internal.thinking);
        break;
      case "agent.message":
        for (const block of event.content) if (block.type === "text" && block.text) assistant?.push({ type: "text", text: block.text });
        break;
      case "agent.tool_use":
      case "agent.custom_tool_use":
      case "agent.mcp_tool_use": {
        // A tool the model's upstream ran (web_search): its blocks belong to the assistant message.
        if (internal?.serverBlock) {
          assistant?.push(replayServerBlock(internal.serverBlock, offered));
          break;
        }
        const name = event.type === "agent.mcp_tool_use" ? modelToolName(event.mcp_server_name, event.name) : event.name;
        if (!offered.has(name)) {
          unoffered.set(event.id, name);
          assistant?.push({ type: "text", text: `[called tool ${name}, which is not available, with ${JSON.stringify(event.input)}]` });
          break;
        }
        assistant?.push({ type: "tool_use", id: event.id, name, input: event.input });
        openToolUses.push(event.id);
        break;
      }
      case "span.model_request_end":
        if (assistant?.length) push("assistant", assistant);
        assistant = null;
        break;
      case "user.message":
        userText.push(...userContent(event.content));
        break;
      case "user.define_outcome":
      case "span.outcome_evaluation_end": {
        const text = outcomeText(event);
        if (text) userText.push({ type: "text", text });
        break;
      }
      case "user.tool_result":
      case "agent.tool_result":
      case "user.custom_tool_result":
      case "agent.mcp_tool_result": {
        if (internal?.serverBlock) {
          assistant?.push(replayServerBlock(internal.serverBlock, offered));
          break;
        }
        const id =
          event.type === "user.custom_tool_result"
            ? event.custom_tool_use_id
            : event.type === "agent.mcp_tool_result"
              ? event.mcp_tool_use_id
              : event.tool_use_id;
        const name = unoffered.get(id);
        if (name) userText.push({ type: "text", text: `[tool ${name} result${event.is_error ? " (error)" : ""}: ${resultText(event.content)}]` });
        else results.set(id, toolResult(id, event.content, event.is_error));
        break;
      }
    }
  }
  flushUser();
  return messages;
}

function userContent(content: ReadonlyArray<{ type: string }>): UserBlock[] {
  // `redacted` placeholders carry nothing the model can read.
  return content.filter((b) => b.type !== "redacted").map((b) => b as unknown as UserBlock);
}

function toolResult(
  toolUseId: string,
  content: ReadonlyArray<{ type: string }> | undefined,
  isError: boolean | null | undefined,
): Anthropic.ToolResultBlockParam {
  const block: Anthropic.ToolResultBlockParam = { type: "tool_result", tool_use_id: toolUseId };
  if (content?.length) block.content = content as Anthropic.ToolResultBlockParam["content"];
  if (isError) block.is_error = true;
  return block;
}

const resultText = (content: ReadonlyArray<{ type: string; text?: string }> | undefined) =>
  (content ?? []).map((b) => (b.type === "text" ? b.text : `[${b.type}]`)).join(" ");

/**
 * The system prompt of a model request: the agent's own, the note on the session's memory stores, then every
 * `system.message` the session received, in order ("appended to the session's system context rather than
 * replacing the top-level system prompt").
 */
export function systemPrompt(agentSystem: string | null | undefined, events: Iterable<StoredEvent>, memoryNote?: string): string | undefined {
  const parts = [agentSystem, memoryNote].filter((part): part is string => Boolean(part));
  for (const { event } of events) {
    if (event.type === "system.message") parts.push(event.content.map((b) => b.text).join("\n"));
  }
  return parts.length ? parts.join("\n\n") : undefined;
}
