import { acceptDefineOutcome, interruptOutcome } from "./outcomes";
import type { ModelUsage } from "./model-call";
import { afterResolution, beginTurn, removePending, userBlocking, type Transition } from "./session-state";
import { primaryThreadId } from "./thread-view";
import { cutTurn, emitToolFailure } from "./turn-cut";
import { InvalidEvent, type EventDraft, type PendingToolUse, type UserEventParams } from "./types";

/**
 * The session's inputs from clients and the hands (`events.send`): each user event checked against the state and
 * applied as a transition of the state machine (session-state.ts), whose helpers it calls to change status.
 */
export interface AcceptContext {
  /** Usage spent so far by the in-flight model request, booked if an interrupt cuts it short. */
  inflightUsage?: ModelUsage;
  /**
   * The events come from hands the server runs itself (a `cloud` environment's sandbox): their tool results are
   * the agent's (`agent.tool_result`); the SDK documents `user.tool_result` only for `self_hosted` workers.
   */
  serverHands?: boolean;
}

/** Applies a batch of user events in order; any invalid one throws `InvalidEvent` and the batch is void. */
export function acceptUserEvents(t: Transition, events: UserEventParams[], ctx: AcceptContext = {}): string[] {
  const s = t.state;
  if (s.archivedAt) throw new InvalidEvent("session is archived (terminated) and accepts no events");
  if (s.status === "terminated") throw new InvalidEvent("session is terminated and accepts no events");
  if (events.length === 0) throw new InvalidEvent("events: at least one event is required");
  const ids: string[] = [];
  for (const event of events) {
    switch (event.type) {
      case "user.message":
        ids.push(acceptMessage(t, event));
        break;
      case "user.interrupt":
        ids.push(interrupt(t, event, ctx));
        break;
      case "user.tool_confirmation":
        ids.push(acceptConfirmation(t, event));
        break;
      case "user.custom_tool_result":
        ids.push(acceptResult(t, event, event.custom_tool_use_id, "custom"));
        break;
      case "user.tool_result":
        ids.push(acceptResult(t, event, event.tool_use_id, "builtin", ctx.serverHands));
        break;
      case "user.define_outcome":
        ids.push(acceptDefineOutcome(t, event));
        break;
      case "system.message":
        // Joins the system context of this turn's model requests and every later one (conversation.ts).
        ids.push(t.emit({ type: "system.message", content: event.content }));
        break;
      default:
        throw new InvalidEvent(`events: ${(event as { type: string }).type} is not supported by this server`);
    }
  }
  return ids;
}

function acceptMessage(t: Transition, event: Extract<UserEventParams, { type: "user.message" }>): string {
  const blocking = userBlocking(t.state.turn.pending);
  if (blocking.length) {
    throw new InvalidEvent(
      `session is waiting for tool results or confirmations (${blocking.map((p) => p.eventId).join(", ")}); ` +
        "resolve them or send user.interrupt first",
    );
  }
  const id = t.emit({ type: "user.message", content: event.content });
  // A new turn. (While a turn runs, the message waits in the log and joins the next model request.)
  if (t.state.turn.phase === "idle") beginTurn(t);
  return id;
}

function interrupt(t: Transition, event: Extract<UserEventParams, { type: "user.interrupt" }>, ctx: AcceptContext): string {
  // A single-agent session has its primary thread only (multiagent sessions route by thread first: threads.ts).
  if (event.session_thread_id && !t.state.threads && event.session_thread_id !== primaryThreadId(t.state.sessionId)) {
    throw new InvalidEvent(`session_thread_id: no thread ${event.session_thread_id} in this session`);
  }
  const id = t.emit({ type: "user.interrupt", ...(event.session_thread_id ? { session_thread_id: event.session_thread_id } : {}) });
  const wasActive = cutTurn(t, "Interrupted by the user before the tool call completed.", ctx.inflightUsage);
  interruptOutcome(t);
  if (wasActive) t.setStatus("idle", { reason: { type: "end_turn" } });
  return id;
}


function acceptConfirmation(t: Transition, event: Extract<UserEventParams, { type: "user.tool_confirmation" }>): string {
  const pending = t.state.turn.pending.find((p) => p.eventId === event.tool_use_id);
  if (!pending || pending.awaiting !== "confirmation") {
    throw new InvalidEvent(`tool_use_id: ${event.tool_use_id} is not a tool use awaiting confirmation`);
  }
  if (event.deny_message != null && event.result !== "deny") {
    throw new InvalidEvent("deny_message: only allowed when result is deny");
  }
  const id = t.emit({
    type: "user.tool_confirmation",
    tool_use_id: event.tool_use_id,
    result: event.result,
    ...(event.deny_message != null ? { deny_message: event.deny_message } : {}),
  });
  if (event.result === "allow") {
    pending.awaiting = "result";
    (pending.kind === "mcp" ? t.effects.mcp : pending.kind === "server" ? t.effects.server : t.effects.dispatch).push(pending);
  } else {
    emitToolFailure(t, pending, event.deny_message || "The user denied this tool call.");
    removePending(t, pending.eventId);
  }
  afterResolution(t, true);
  return id;
}

function acceptResult(
  t: Transition,
  event: Extract<UserEventParams, { type: "user.custom_tool_result" | "user.tool_result" }>,
  toolUseId: string,
  kind: PendingToolUse["kind"],
  serverHands = false,
): string {
  const field = kind === "custom" ? "custom_tool_use_id" : "tool_use_id";
  const pending = t.state.turn.pending.find((p) => p.eventId === toolUseId);
  if (!pending) throw new InvalidEvent(`${field}: ${toolUseId} is not a tool use awaiting a result`);
  if (pending.kind === "server") throw new InvalidEvent(`${field}: ${toolUseId} is a ${pending.name} call the server runs itself; it takes no result`);
  if (pending.kind !== kind) {
    throw new InvalidEvent(
      `${field}: ${toolUseId} is ${pending.kind === "custom" ? "a custom tool use (send user.custom_tool_result)" : "a built-in tool use (send user.tool_result)"}`,
    );
  }
  if (pending.awaiting === "confirmation") throw new InvalidEvent(`${field}: ${toolUseId} has not been confirmed yet`);
  const { type: _type, ...fields } = event;
  const id = t.emit({ type: serverHands ? "agent.tool_result" : event.type, ...fields } as EventDraft);
  const wasBlocking = userBlocking([pending]).length > 0;
  removePending(t, toolUseId);
  afterResolution(t, wasBlocking);
  return id;
}

