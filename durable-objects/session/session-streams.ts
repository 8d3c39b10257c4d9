import { SESSION_NOT_FOUND } from "../../src/db/queries/sessions";
import type { EventLog } from "./event-log";
import type { DeltaType, FanOut } from "./fan-out";
import { threadScope } from "./thread-json";
import type { SessionState } from "./types";

/**
 * Opens a stream: `GET /stream` (SSE) or `GET /ws` (WebSocket upgrade), of the session or (`?thread=`) one thread.
 * `after` (the last event id the client saw) replays everything after it first; without it the connection starts
 * at the live edge. `state` is the session the caller owns (undefined: not found).
 */
export function openStream(request: Request, state: SessionState | undefined, log: EventLog, fanout: FanOut): Response {
  const url = new URL(request.url);
  if (!state) return Response.json({ type: "not_found_error", message: SESSION_NOT_FOUND }, { status: 404 });
  const deltas = url.searchParams.getAll("deltas") as DeltaType[];
  const threadId = url.searchParams.get("thread");
  const scope = threadId === null ? undefined : threadScope(state, threadId);
  if (scope === null) return Response.json({ type: "not_found_error", message: `thread ${threadId} not found` }, { status: 404 });
  const after = url.searchParams.get("after");
  let afterSeq = log.lastSeq();
  if (after) {
    const seq = log.seqOf(after);
    if (seq === undefined) {
      return Response.json({ type: "invalid_request_error", message: `no event ${after} in this session` }, { status: 400 });
    }
    afterSeq = seq;
  }
  // Backlog read and subscription happen in this one synchronous step: nothing can be appended between.
  const backlog = log.after(afterSeq, undefined, scope);
  if (url.pathname === "/ws") {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ type: "invalid_request_error", message: "expected a WebSocket upgrade" }, { status: 426 });
    }
    return fanout.openWebSocket(backlog, deltas);
  }
  return fanout.openSse(backlog, deltas, scope?.kind === "thread" ? threadId! : undefined);
}
