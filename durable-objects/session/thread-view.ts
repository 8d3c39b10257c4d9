import type { SessionEvent, StoredEvent } from "./types";

/** Whether the session's own stream and list show this event: the primary thread's, or one a child cross-posted. */
export const inSessionView = (stored: Pick<StoredEvent, "thread" | "crosspost">) => !stored.thread || Boolean(stored.crosspost);

/**
 * Events whose `session_thread_id` marks the copy cross-posted to the session stream; the contract leaves it
 * empty on the thread's own events, so a thread's own view drops it. (A targeted `user.interrupt` keeps the
 * field the client sent.)
 */
const CROSSPOST_MARKED = new Set<SessionEvent["type"]>([
  "agent.custom_tool_use",
  "agent.tool_use",
  "agent.mcp_tool_use",
  "user.tool_confirmation",
  "user.custom_tool_result",
]);

/** An event as a child thread's own stream and list show it. */
export function threadOwnView(event: SessionEvent): SessionEvent {
  if (!CROSSPOST_MARKED.has(event.type) || !("session_thread_id" in event)) return event;
  const { session_thread_id: _marker, ...own } = event as SessionEvent & { session_thread_id?: string };
  return own as SessionEvent;
}

/** The primary thread's id, derived from the session's, so single-agent sessions need no state for it. */
export const primaryThreadId = (sessionId: string) => `sthr_${sessionId.replace(/^sesn_/, "")}`;
