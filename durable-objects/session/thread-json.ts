import type { BetaManagedAgentsSessionThread, BetaManagedAgentsSessionThreadStatus } from "@anthropic-ai/sdk/resources/beta/sessions/threads";
import { decodeCursor, encodeCursor } from "../../src/lib/pagination";
import type { LogScope } from "./event-log";
import { primaryThreadId } from "./thread-view";
import type { ThreadRecord } from "./thread-state";
import { fail, ok, type RpcResult, type SessionState } from "./types";

/** Threads as `sessions.threads.*` render and page them; a single-agent session shows its primary thread only. */

export function threadJson(s: SessionState, id: string, now = Date.now()): BetaManagedAgentsSessionThread {
  const primaryId = primaryThreadId(s.sessionId);
  const rec: Omit<ThreadRecord, "turn"> =
    s.threads?.byId[id] ??
    ({ id: primaryId, parentId: null, status: s.status, usage: s.usage, activeSeconds: s.activeSeconds, runningSince: s.runningSince, createdAt: s.createdAt, updatedAt: s.updatedAt, archivedAt: s.archivedAt } satisfies ThreadRecord);
  const primary = id === primaryId;
  const { multiagent: _roster, ...sessionAgent } = s.agent;
  const active = rec.activeSeconds + (rec.runningSince ? Math.max(0, (now - Date.parse(rec.runningSince)) / 1000) : 0);
  const archivedAt = primary ? s.archivedAt : rec.archivedAt;
  const end = archivedAt ? Date.parse(rec.updatedAt) : now;
  const used = (rec.usage.input_tokens ?? 0) + (rec.usage.output_tokens ?? 0) > 0;
  const { list_cost: _cost, ...usage } = rec.usage;
  return {
    id,
    type: "session_thread",
    session_id: s.sessionId,
    agent: primary ? sessionAgent : rec.agent!,
    status: rec.status as BetaManagedAgentsSessionThreadStatus,
    parent_thread_id: rec.parentId,
    archived_at: archivedAt,
    created_at: rec.createdAt,
    updated_at: rec.updatedAt,
    stats: used || active > 0 ? { active_seconds: active, duration_seconds: Math.max(0, (end - Date.parse(rec.createdAt)) / 1000), startup_seconds: 0 } : null,
    usage: used ? { ...usage, active_seconds: active } : null,
    workflow_run_id: rec.workflowRunId ?? null,
  };
}

/** Ids of a session's threads, primary first (a single-agent session has just its primary). */
export const threadIds = (s: SessionState) => (s.threads ? Object.keys(s.threads.byId) : [primaryThreadId(s.sessionId)]);

export interface ThreadListQuery {
  limit: number;
  page?: string;
  statuses?: string[];
}

/** A page of `threads.list`: creation order, primary first; the cursor is the last thread id returned. */
export function threadsPage(s: SessionState, query: ThreadListQuery, after?: string): { data: BetaManagedAgentsSessionThread[]; last: string | null } {
  let ids = threadIds(s);
  if (after !== undefined) ids = ids.slice(ids.indexOf(after) + 1);
  const now = Date.now();
  const matching = ids.map((id) => threadJson(s, id, now)).filter((t) => !query.statuses?.length || query.statuses.includes(t.status));
  const data = matching.slice(0, query.limit);
  return { data, last: matching.length > query.limit ? data[data.length - 1].id : null };
}

export const hasThread = (s: SessionState, id: string) => threadIds(s).includes(id);

/** `sessions.threads.list`: the cursor must name one of the session's threads. */
export function threadListPage(s: SessionState, query: ThreadListQuery): RpcResult<{ data: BetaManagedAgentsSessionThread[]; next_page: string | null }> {
  let after: string | undefined;
  if (query.page) {
    try {
      after = decodeCursor(query.page).after;
    } catch {
      return fail("invalid_request_error", "page: invalid page cursor");
    }
    if (!hasThread(s, after)) return fail("invalid_request_error", "page: invalid page cursor");
  }
  const { data, last } = threadsPage(s, query, after);
  return ok({ data, next_page: last ? encodeCursor({ after: last, order: "asc" }) : null });
}

/** A thread's part of the log: the primary's is the session's own view; a child's, its own events. `null`: no such thread. */
export function threadScope(s: SessionState, threadId: string): LogScope | undefined | null {
  if (!hasThread(s, threadId)) return null;
  return threadId === primaryThreadId(s.sessionId) ? undefined : { kind: "thread", thread: threadId };
}
