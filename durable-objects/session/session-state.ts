import { usageSnapshotDraft } from "./usage-snapshots";
import { beginEvaluation } from "./outcomes";
import type { ClassifiedError } from "./model-errors";
import { zeroUsage, type ModelResult, type ModelUsage } from "./model-call";
import { emitResponseBlocks } from "./model-response-events";
import type { ResolvedTools } from "./tools";
import { emitToolFailure } from "./turn-cut";
import { addUsage, spanUsage } from "./usage-totals";
import {
  InvalidEvent,
  type EventDraft,
  type PendingToolUse,
  type SessionState,
  type SessionStatus,
} from "./types";

/**
 * The session state machine: every status transition and every pending action lives here, as pure
 * functions over a `Transition` (a working copy of the state plus the events and side effects it produces).
 * The DO applies a transition inside one SQLite transaction: the events are appended and the new state saved
 * together, or an `InvalidEvent` rolls everything back and nothing is written.
 *
 *   idle ──user.message──▶ running ──model ends turn──▶ idle(end_turn)
 *                            │  ├─tool_use (built-in, allowed)──▶ running, waiting for hands' results
 *                            │  ├─tool_use (custom / always_ask)──▶ idle(requires_action) ──results/confirmations──▶ running
 *                            │  └─retryable model error──▶ rescheduling ──backoff──▶ running … ──exhausted──▶ idle(retries_exhausted)
 *                            └─user.interrupt (any time)──▶ idle(end_turn)
 */
export class Transition {
  readonly drafts: EventDraft[] = [];
  /** Side effects the DO performs after the commit. */
  readonly effects = {
    /** Run the next model call as soon as possible (alarm now). */
    runModel: false,
    /** Wake at this epoch ms (retry backoff). */
    wakeAt: null as number | null,
    /** Built-in tool uses to hand to the hands (never awaited for results). */
    dispatch: [] as PendingToolUse[],
    /** Abort the in-flight model request (an interrupt). */
    abortModel: false,
    /** MCP tool uses the brain runs itself (durable-objects/session/mcp). */
    mcp: [] as PendingToolUse[],
    /** web_fetch calls the brain runs itself (web-fetch.ts). */
    server: [] as PendingToolUse[],
  };
  readonly state: SessionState;

  constructor(
    state: SessionState,
    /** Public so a thread's transition (threads.ts) draws ids from the same log. */
    readonly reserveId: () => string,
    private readonly now = Date.now(),
  ) {
    this.state = structuredClone(state);
  }

  emit(draft: EventDraft): string {
    const id = draft.id ?? this.reserveId();
    this.drafts.push({ ...draft, id });
    return id;
  }

  /** Moves the status, emitting its status event, and keeps the running-time accounting. */
  setStatus(next: SessionStatus, stop?: IdleStop) {
    const s = this.state;
    const at = new Date(this.now).toISOString();
    if (s.status === "running" && next !== "running" && s.runningSince) {
      s.activeSeconds += Math.max(0, (this.now - Date.parse(s.runningSince)) / 1000);
      s.runningSince = null;
    }
    if (next === "running" && s.status !== "running") s.runningSince = at;
    const changed = s.status !== next;
    s.status = next;
    s.updatedAt = at;
    s.mirrorSeq++;
    if (next === "idle") {
      // The session's cumulative usage goes out right before every idle (usage-snapshots.ts says why there).
      this.emit(usageSnapshotDraft(s, this.now));
      this.emit({
        type: "session.status_idle",
        stop_reason: stop?.reason ?? { type: "end_turn" },
        stop_details: stop?.details ?? null,
      } as EventDraft);
    } else if (changed && next === "running") this.emit({ type: "session.status_running" });
    else if (changed && next === "rescheduling") this.emit({ type: "session.status_rescheduled" });
    else if (changed && next === "terminated") this.emit({ type: "session.status_terminated" });
  }

  touch() {
    this.state.updatedAt = new Date(this.now).toISOString();
    this.state.mirrorSeq++;
  }
}

type IdleStop = {
  reason:
    | { type: "end_turn" }
    | { type: "requires_action"; event_ids: string[] }
    | { type: "retries_exhausted" }
    | { type: "refusal" }
    | { type: "budget_reached" };
  details?: { type: "refusal"; category: null; explanation: string | null } | null;
};

/** An idle session starts a turn: running, a model call due, counters reset. */
export function beginTurn(t: Transition): void {
  const turn = t.state.turn;
  turn.attempt = 0;
  turn.modelCalls = 0;
  turn.phase = "model";
  t.setStatus("running");
  t.effects.runModel = true;
}

/** After a pending action resolves: still blocked on the client, waiting on the hands, or ready for the model. */
export function afterResolution(t: Transition, resolvedBlocking: boolean) {
  const turn = t.state.turn;
  const blocking = userBlocking(turn.pending);
  if (blocking.length) {
    // Docs: resolving fewer than all re-emits session.status_idle with the remainder.
    if (resolvedBlocking) {
      t.setStatus("idle", { reason: { type: "requires_action", event_ids: blocking.map((p) => p.eventId) } });
    }
    return;
  }
  turn.phase = turn.pending.length ? "tools" : "model";
  if (t.state.status !== "running") t.setStatus("running");
  if (turn.phase === "model") t.effects.runModel = true;
}

// ---------------------------------------------------------------------------------------------------------
// The model call.

/** Opens the span of a model call, unless a crashed attempt already opened one (the redo reuses it). */
export function startModelCall(t: Transition): string {
  const turn = t.state.turn;
  if (!turn.inflightStartId) {
    turn.inflightStartId = t.emit({ type: "span.model_request_start" });
    turn.modelCalls++;
  }
  return turn.inflightStartId;
}

export const MAX_MODEL_CALLS_PER_TURN = 100;

/** Commits a finished model response: its content as events, then where the turn goes next. */
export function completeModelCall(
  t: Transition,
  result: ModelResult,
  tools: ResolvedTools,
  userMessageQueued: boolean,
): void {
  const turn = t.state.turn;
  const startId = turn.inflightStartId!;
  // A paused turn's server tool calls get their results in the next answer (pause_turn below).
  const serverToolUses = new Map<string, string>(Object.entries(turn.pausedServerToolUses ?? {}));
  delete turn.pausedServerToolUses;
  const toolUses = emitResponseBlocks(t, result, tools, serverToolUses);
  addUsage(t.state, result.usage);
  t.emit({
    type: "span.model_request_end",
    model_request_start_id: startId,
    is_error: false,
    model_usage: spanUsage(result.usage),
  });
  turn.inflightStartId = null;
  turn.attempt = 0;
  t.touch();

  const calledTools = result.blocks.some((b) => b.type === "tool_use");
  if (calledTools) {
    turn.pending = toolUses;
    t.effects.dispatch.push(...toolUses.filter((p) => p.kind === "builtin" && p.awaiting === "result"));
    t.effects.mcp.push(...toolUses.filter((p) => p.kind === "mcp" && p.awaiting === "result"));
    t.effects.server.push(...toolUses.filter((p) => p.kind === "server" && p.awaiting === "result"));
    if (turn.modelCalls >= MAX_MODEL_CALLS_PER_TURN && userBlocking(toolUses).length === 0) {
      return endTurnWithError(t, "tool_use_limit_reached_error", `the turn reached ${MAX_MODEL_CALLS_PER_TURN} model requests`);
    }
    const blocking = userBlocking(toolUses);
    if (blocking.length) {
      turn.phase = toolUses.length > blocking.length ? "tools" : "idle";
      t.setStatus("idle", { reason: { type: "requires_action", event_ids: blocking.map((p) => p.eventId) } });
      return;
    }
    turn.phase = toolUses.length ? "tools" : "model";
    if (turn.phase === "model") t.effects.runModel = true;
    return;
  }
  if (result.stopReason === "pause_turn") turn.pausedServerToolUses = Object.fromEntries(serverToolUses);
  if (result.stopReason === "pause_turn" || (userMessageQueued && result.stopReason !== "refusal")) {
    // pause_turn: the upstream paused a long server tool turn (web_search); the next request resumes it.
    // Otherwise a message arrived while the model was answering: the turn goes on with it.
    turn.phase = "model";
    t.effects.runModel = true;
    return;
  }
  if (result.stopReason !== "refusal" && beginEvaluation(t)) return;
  turn.phase = "idle";
  if (result.stopReason === "refusal") {
    t.setStatus("idle", { reason: { type: "refusal" }, details: { type: "refusal", category: null, explanation: null } });
  } else {
    t.setStatus("idle", { reason: { type: "end_turn" } });
  }
}

/** A failed model call: back off and retry while the error allows, then end the turn with it. */
export function failModelCall(
  t: Transition,
  error: ClassifiedError,
  opts: { maxRetries: number; delayMs: (attempt: number) => number; usage?: ModelUsage },
): void {
  const turn = t.state.turn;
  const usage = opts.usage ?? zeroUsage();
  addUsage(t.state, usage);
  t.emit({
    type: "span.model_request_end",
    model_request_start_id: turn.inflightStartId!,
    is_error: true,
    model_usage: spanUsage(usage),
  });
  turn.inflightStartId = null;
  turn.attempt++;
  if (error.retryable && turn.attempt <= opts.maxRetries) {
    t.emit({ type: "session.error", error: { type: error.type, message: error.message, retry_status: { type: "retrying" } } });
    turn.phase = "retry_wait";
    turn.retryAt = Date.now() + opts.delayMs(turn.attempt);
    t.effects.wakeAt = turn.retryAt;
    t.setStatus("rescheduling");
    return;
  }
  endTurnWithError(t, error.type, error.message);
}

export function endTurnWithError(t: Transition, type: string, message: string) {
  const turn = t.state.turn;
  t.emit({ type: "session.error", error: { type, message, retry_status: { type: "exhausted" } } } as EventDraft);
  for (const pending of turn.pending) emitToolFailure(t, pending, "The turn ended before this tool call completed.");
  turn.pending = [];
  turn.phase = "idle";
  turn.retryAt = null;
  turn.attempt = 0;
  t.setStatus("idle", { reason: { type: "retries_exhausted" } });
}

/** The backoff elapsed: back to running for another attempt. */
export function retryDue(t: Transition): boolean {
  const turn = t.state.turn;
  if (turn.phase !== "retry_wait") return false;
  turn.phase = "model";
  turn.retryAt = null;
  t.setStatus("running");
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// MCP tools, which the brain runs itself.

export interface McpError {
  type: "mcp_connection_failed_error" | "mcp_authentication_failed_error";
  mcp_server_name: string;
  message: string;
}

/**
 * An MCP server could not be used: a `session.error` typed as the contract types it. The session carries on
 * without the server (`retrying`: the next step tries it again), so the status does not change.
 */
export function reportMcpErrors(t: Transition, errors: McpError[]) {
  for (const error of errors) t.emit({ type: "session.error", error: { ...error, retry_status: { type: "retrying" } } } as EventDraft);
}

/** An MCP tool call finished (or failed with `error`): its result, then the turn goes on. Late results are dropped. */
export function completeMcpToolUse(
  t: Transition,
  eventId: string,
  result: { content: unknown[]; isError: boolean; error?: McpError },
): void {
  const pending = t.state.turn.pending.find((p) => p.eventId === eventId && p.kind === "mcp" && p.awaiting === "result");
  if (!pending) return;
  if (result.error) reportMcpErrors(t, [result.error]);
  t.emit({
    type: "agent.mcp_tool_result",
    mcp_tool_use_id: eventId,
    content: result.content,
    is_error: result.isError,
  } as EventDraft);
  removePending(t, eventId);
  afterResolution(t, false);
}

/** A web_fetch the brain ran finished: its result as the server's `agent.tool_result`, then the turn goes on. */
export function completeServerToolUse(t: Transition, eventId: string, result: { content: unknown[]; isError: boolean }): void {
  const pending = t.state.turn.pending.find((p) => p.eventId === eventId && p.kind === "server" && p.awaiting === "result");
  if (!pending) return;
  t.emit({ type: "agent.tool_result", tool_use_id: eventId, content: result.content, is_error: result.isError } as EventDraft);
  removePending(t, eventId);
  afterResolution(t, false);
}


// ---------------------------------------------------------------------------------------------------------
// Session-level changes.

export function archive(t: Transition) {
  const s = t.state;
  if (isBusy(s)) throw new InvalidEvent("a running session cannot be archived; send user.interrupt first");
  if (!s.archivedAt) s.archivedAt = new Date().toISOString();
  // The SDK reports an archived session as `terminated` (its worker and tool runner stop on it).
  if (s.status !== "terminated") t.setStatus("terminated");
  t.touch();
}

export function assertDeletable(s: SessionState) {
  if (isBusy(s)) throw new InvalidEvent("a running session cannot be deleted; send user.interrupt first");
}


// ---------------------------------------------------------------------------------------------------------

/** Running or retrying: a turn holds the session (idle with requires_action does not). */
export const isBusy = (s: SessionState) => s.status === "running" || s.status === "rescheduling";

/** Pending actions only the client can resolve: custom tool results and confirmations. */
export const userBlocking = (pending: PendingToolUse[]) =>
  pending.filter((p) => p.kind === "custom" || p.awaiting === "confirmation");

export function removePending(t: Transition, eventId: string) {
  t.state.turn.pending = t.state.turn.pending.filter((p) => p.eventId !== eventId);
}


/** The budget is spent: no new model request; the turn ends idle with `budget_reached`. */
export function stopForBudget(t: Transition) {
  const turn = t.state.turn;
  turn.phase = "idle";
  turn.retryAt = null;
  turn.attempt = 0;
  t.setStatus("idle", { reason: { type: "budget_reached" } });
}


export function initialTurn(): SessionState["turn"] {
  return { phase: "idle", pending: [], attempt: 0, retryAt: null, inflightStartId: null, epoch: 0, modelCalls: 0 };
}
