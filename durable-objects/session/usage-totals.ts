import type { SessionState, SessionUsage } from "./types";
import { chargeListCost } from "./budget";
import type { ModelUsage } from "./model-call";

/**
 * Usage arithmetic: a model request's usage booked to the session (and its budget), as a span reports it, and a
 * thread's usage change folded into the session total. Kept apart from the state machine so that the transitions
 * read as statuses, not sums.
 */

export function addUsage(s: SessionState, usage: ModelUsage) {
  const u = s.usage;
  u.input_tokens = (u.input_tokens ?? 0) + usage.input_tokens;
  u.output_tokens = (u.output_tokens ?? 0) + usage.output_tokens;
  u.cache_read_input_tokens = (u.cache_read_input_tokens ?? 0) + usage.cache_read_input_tokens;
  u.cache_creation = {
    ephemeral_1h_input_tokens: (u.cache_creation?.ephemeral_1h_input_tokens ?? 0) + usage.cache_creation_1h,
    ephemeral_5m_input_tokens: (u.cache_creation?.ephemeral_5m_input_tokens ?? 0) + usage.cache_creation_5m,
  };
  chargeListCost(s, usage);
}

export const spanUsage = (usage: ModelUsage) => ({
  input_tokens: usage.input_tokens,
  output_tokens: usage.output_tokens,
  cache_read_input_tokens: usage.cache_read_input_tokens,
  cache_creation_input_tokens: usage.cache_creation_input_tokens,
});

/** Adds what a thread's usage grew by (`before` → `after`) to the session's total. */
export function addUsageDelta(total: SessionUsage, before: SessionUsage, after: SessionUsage) {
  const d = (k: "input_tokens" | "output_tokens" | "cache_read_input_tokens") => (after[k] ?? 0) - (before[k] ?? 0);
  total.input_tokens = (total.input_tokens ?? 0) + d("input_tokens");
  total.output_tokens = (total.output_tokens ?? 0) + d("output_tokens");
  total.cache_read_input_tokens = (total.cache_read_input_tokens ?? 0) + d("cache_read_input_tokens");
  const c = (u: SessionUsage, k: "ephemeral_1h_input_tokens" | "ephemeral_5m_input_tokens") => u.cache_creation?.[k] ?? 0;
  total.cache_creation = {
    ephemeral_1h_input_tokens: c(total, "ephemeral_1h_input_tokens") + c(after, "ephemeral_1h_input_tokens") - c(before, "ephemeral_1h_input_tokens"),
    ephemeral_5m_input_tokens: c(total, "ephemeral_5m_input_tokens") + c(after, "ephemeral_5m_input_tokens") - c(before, "ephemeral_5m_input_tokens"),
  };
}
