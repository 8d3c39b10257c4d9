import { ApiError } from "../lib/errors";
import type { WorkspaceLimits } from "./workspace-limits";

export interface SessionCounts {
  /** Sessions stored, archived ones included. */
  sessions: number;
  /** Sessions neither archived nor terminated. */
  active_sessions: number;
}

/** One indexed read of the session index (`sessions_workspace`). */
export async function countSessions(d1: D1Database, workspaceId: string): Promise<SessionCounts> {
  const row = await d1
    .prepare(
      `SELECT COUNT(*) AS sessions, COALESCE(SUM(CASE WHEN archived_at IS NULL AND status != 'terminated' THEN 1 ELSE 0 END), 0) AS active_sessions
       FROM sessions WHERE workspace_id = ?`,
    )
    .bind(workspaceId)
    .first<SessionCounts>();
  return row ?? { sessions: 0, active_sessions: 0 };
}

/** Refuses a new session past `max_sessions` or `max_active_sessions`: a 429 that says which and how to free one. */
export async function assertSessionCapacity(d1: D1Database, workspaceId: string, limits: WorkspaceLimits) {
  const counts = await countSessions(d1, workspaceId);
  if (counts.sessions >= limits.max_sessions) {
    throw new ApiError(
      "rate_limit_error",
      `the workspace has ${counts.sessions} sessions, its limit (max_sessions: ${limits.max_sessions}); delete sessions to create more`,
    );
  }
  if (counts.active_sessions >= limits.max_active_sessions) {
    throw new ApiError(
      "rate_limit_error",
      `the workspace has ${counts.active_sessions} active sessions, its limit (max_active_sessions: ${limits.max_active_sessions}); archive sessions to create more`,
    );
  }
}
