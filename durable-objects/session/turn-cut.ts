import { zeroUsage, type ModelUsage } from "./model-call";
import type { Transition } from "./session-state";
import type { PendingToolUse } from "./types";
import { addUsage, spanUsage } from "./usage-totals";

/**
 * Closing a turn's open work when it will not finish: the cut itself (interrupts, ended workflow runs) and the
 * error results that keep the conversation well formed. The state machine (session-state.ts) decides when.
 */

/**
 * Cuts the turn short (an interrupt; a thread whose workflow run ended): the model call in flight is aborted and
 * what it spent so far booked; every tool use the turn still waited on gets `note` as its error result, so the
 * conversation stays well formed; a late result of the old turn commits nothing (the epoch moves). Returns
 * whether the turn had anything under way.
 */
export function cutTurn(t: Transition, note: string, inflightUsage?: ModelUsage): boolean {
  const turn = t.state.turn;
  const wasActive = turn.phase !== "idle" || turn.pending.length > 0;
  if (turn.inflightStartId) {
    const usage = inflightUsage ?? zeroUsage();
    addUsage(t.state, usage);
    t.emit({
      type: "span.model_request_end",
      model_request_start_id: turn.inflightStartId,
      is_error: false,
      model_usage: spanUsage(usage),
    });
    turn.inflightStartId = null;
    t.effects.abortModel = true;
  }
  for (const pending of turn.pending) emitToolFailure(t, pending, note);
  turn.pending = [];
  turn.phase = "idle";
  turn.retryAt = null;
  turn.attempt = 0;
  turn.epoch++;
  return wasActive;
}

/** A tool use that will never run gets an error result of its kind, so the conversation stays well formed. */
export function emitToolFailure(t: Transition, pending: PendingToolUse, text: string) {
  const content = [{ type: "text" as const, text }];
  if (pending.kind === "mcp") t.emit({ type: "agent.mcp_tool_result", mcp_tool_use_id: pending.eventId, is_error: true, content });
  else t.emit({ type: "agent.tool_result", tool_use_id: pending.eventId, is_error: true, content });
}
