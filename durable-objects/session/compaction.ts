import Anthropic from "@anthropic-ai/sdk";
import type { BrainHost } from "./agent-loop";
import { buildMessages } from "./conversation";
import { resolveFileBlocks } from "./file-blocks";
import { zeroUsage } from "./model-call";
import { endTurnWithError } from "./session-state";
import { addUsage } from "./usage-totals";
import type { StoredEvent } from "./types";

/**
 * Context compaction: before a model request, if the last request since the latest compaction used most of
 * the model's context window, everything before the turn's latest user message is summarised by a model
 * call and replaced (in the rebuilt conversation, never in the log) by that summary. The log keeps an
 * `agent.thread_context_compacted` event carrying the summary internally. When nothing new can be
 * summarised (one turn alone fills the window), the turn ends with `compaction_limit_reached_error`.
 */
const DEFAULT_CONTEXT_LIMIT = 200_000;
/** Compact once a request used this share of the window: the next one adds the answer and tool results. */
const COMPACT_AT = 0.8;
export const SUMMARY_SYSTEM =
  "You summarize a conversation between a user and an AI agent so the agent can continue the work: keep the " +
  "user's goals, decisions, facts learned, files touched and open questions. Reply with the summary only.";

/** `SESSION_CONTEXT_LIMIT_TOKENS` overrides the window (tests use a small one). */
export const contextLimit = (env: BrainHost["env"]) => Number((env as { SESSION_CONTEXT_LIMIT_TOKENS?: string }).SESSION_CONTEXT_LIMIT_TOKENS) || DEFAULT_CONTEXT_LIMIT;

export function lastCompaction(events: StoredEvent[]): StoredEvent | undefined {
  return events.findLast((e) => e.event.type === "agent.thread_context_compacted" && e.internal?.compaction);
}

/** Tokens the latest model request since the latest compaction used (input, cache and its answer). */
function contextUsed(events: StoredEvent[], since: number): number {
  const end = events.findLast((e) => e.seq > since && e.event.type === "span.model_request_end");
  if (!end || end.event.type !== "span.model_request_end") return 0;
  const u = end.event.model_usage;
  return u.input_tokens + u.output_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0);
}

/** Compacts if needed. False when the turn was ended instead (nothing left to compact). */
export async function compactIfNeeded(host: BrainHost, model: string): Promise<boolean> {
  const events = host.log.after(0);
  const previous = lastCompaction(events);
  const limit = contextLimit(host.env);
  if (contextUsed(events, previous?.seq ?? 0) < limit * COMPACT_AT) return true;
  const latestUser = events.findLast((e) => e.event.type === "user.message" || e.event.type === "user.define_outcome");
  const throughSeq = (latestUser?.seq ?? 0) - 1;
  if (throughSeq <= (previous?.internal?.compaction?.throughSeq ?? 0)) {
    await host.commit((t) =>
      endTurnWithError(t, "compaction_limit_reached_error", `the conversation exceeds the model's context window (${limit} tokens) even after compaction`),
    );
    return false;
  }
  const epoch = host.state()!.turn.epoch;
  // Tool calls are replayed as text (no tools offered), so the summary request needs no tool definitions.
  const messages = buildMessages(events.filter((e) => e.seq <= throughSeq), new Set());
  await resolveFileBlocks(host.env, host.state()!.workspaceId, messages);
  const ask = { type: "text" as const, text: "Summarize the conversation above so the work can continue from the summary alone." };
  const last = messages[messages.length - 1];
  if (last?.role === "user") (last.content as Anthropic.ContentBlockParam[]).push(ask);
  else messages.push({ role: "user", content: [ask] });
  const client = new Anthropic({ baseURL: host.env.ANTHROPIC_BASE_URL, apiKey: host.env.ANTHROPIC_API_KEY ?? "", maxRetries: 2 });
  let summary: string;
  let usage = zeroUsage();
  try {
    const answer = await client.messages.create({ model, max_tokens: 4096, system: SUMMARY_SYSTEM, messages, metadata: { user_id: host.state()!.sessionId } });
    summary = answer.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    usage = { ...usage, input_tokens: answer.usage.input_tokens, output_tokens: answer.usage.output_tokens };
  } catch (err) {
    await host.commit((t) => endTurnWithError(t, "compaction_limit_reached_error", `compaction failed: ${err instanceof Error ? err.message : String(err)}`));
    return false;
  }
  if (host.state()?.turn.epoch !== epoch) return false; // interrupted meanwhile
  await host.commit((t) => {
    addUsage(t.state, usage);
    t.emit({ type: "agent.thread_context_compacted", internal: { compaction: { summary, throughSeq } } });
  });
  return true;
}
