import { ApiError } from "../lib/errors";
import type { WorkspaceLimits } from "./workspace-limits";

/** The events that start a turn, and so a model call; tool results and confirmations only continue one. */
const TURN_STARTERS = new Set(["user.message", "user.define_outcome"]);

export const startsTurn = (events: readonly unknown[] | undefined) =>
  (events ?? []).some((e) => TURN_STARTERS.has((e as { type?: unknown })?.type as string));

/**
 * Refuses a new turn once the workspace has used its model tokens for the day. Checked when a turn starts
 * (from the quota object's count, which sessions feed after every model call): a turn already running ends
 * normally, so the day's total can pass the limit by at most what those turns use.
 */
export function assertModelTokensLeft(left: number, limits: WorkspaceLimits) {
  if (left > 0) return;
  throw new ApiError(
    "rate_limit_error",
    `the workspace has used its model tokens for today (model_tokens_per_day: ${limits.model_tokens_per_day}); new turns are refused until 00:00 UTC`,
  );
}

/** Every token a model call is billed for: input, output, cache reads and writes. */
export function totalTokens(usage: {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation?: { ephemeral_1h_input_tokens?: number | null; ephemeral_5m_input_tokens?: number | null } | null;
}): number {
  const cache = usage.cache_creation;
  return (
    (usage.input_tokens ?? 0) +
    (usage.output_tokens ?? 0) +
    (usage.cache_read_input_tokens ?? 0) +
    (cache?.ephemeral_1h_input_tokens ?? 0) +
    (cache?.ephemeral_5m_input_tokens ?? 0)
  );
}
