import type { BetaManagedAgentsSessionUsageEvent } from "@anthropic-ai/sdk/resources/beta/sessions/sessions";
import type { EventDraft, SessionState } from "./types";

/**
 * `session.usage`: the session's cumulative usage and budget as a stored event, so a client following the stream
 * (or reading the log later) sees spend grow without polling `sessions.retrieve`. The contract calls it a
 * periodic snapshot; Anthropic's budgets cookbook has the stream deliver it as the turn ends. Here that is exactly
 * one snapshot immediately before every `session.status_idle` the session shows (a finished turn, a pause for
 * the client, retries exhausted, the budget reached): the point where usage stops moving and a client decides
 * what to do next. It is session-wide (every thread's tokens, overlapping running time counted once), so a
 * multiagent session's threads never emit their own: only the session's derived idle carries one.
 *
 * The figures are those `sessions.retrieve` reports at that moment: its `usage` (tokens, cache, `list_cost` when
 * the model has a list price) plus `stats.active_seconds`. Server tool use is not tracked here, so it is absent,
 * as the contract allows.
 */
export function usageSnapshotDraft(s: SessionState, now: number): EventDraft {
  const running = s.runningSince ? Math.max(0, (now - Date.parse(s.runningSince)) / 1000) : 0;
  const { input_tokens, output_tokens, cache_read_input_tokens, cache_creation, list_cost } = s.usage;
  const usage: BetaManagedAgentsSessionUsageEvent["usage"] = {
    input_tokens: input_tokens ?? 0,
    output_tokens: output_tokens ?? 0,
    cache_read_input_tokens: cache_read_input_tokens ?? 0,
    cache_creation: { ephemeral_1h_input_tokens: cache_creation?.ephemeral_1h_input_tokens ?? 0, ephemeral_5m_input_tokens: cache_creation?.ephemeral_5m_input_tokens ?? 0 },
    ...(list_cost ? { list_cost: { ...list_cost } } : {}),
    // Rounded as sessions.retrieve rounds stats.active_seconds, so the two read the same after the turn.
    active_seconds: Math.round((s.activeSeconds + running) * 1000) / 1000,
  };
  return { type: "session.usage", usage, budget: s.budget ? structuredClone(s.budget) : null };
}
