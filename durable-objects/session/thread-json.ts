import type { BetaManagedAgentsSessionThread, BetaManagedAgentsSessionThreadStatus } from "@anthropic-ai/sdk/resources/beta/sessions/threads";
import { primaryThreadId } from "./thread-view";
import type { ThreadRecord } from "./thread-state";
import type { SessionState } from "./types";

/** Threads as `sessions.threads.*` render them; a single-agent session shows its primary thread only. */

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
