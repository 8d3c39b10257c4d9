import { and, eq } from "drizzle-orm";
import type { Database } from "../client";
import { sessions } from "../schema";
import type { Env } from "../../env";
import { ApiError, notFound } from "../../lib/errors";
import type { RpcResult } from "../../../durable-objects/session/types";

/** A session of this workspace from the D1 index, or a 404 (another workspace's session does not exist). */
export async function findSession(db: Database, workspaceId: string, sessionId: string) {
  const [row] = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.workspaceId, workspaceId)))
    .limit(1);
  if (!row) throw notFound("session", sessionId);
  return row;
}

/** The session's Durable Object: named by the session id, so any Worker (routes, hands) finds it. */
export const sessionStub = (env: Env, sessionId: string) => env.SESSIONS.get(env.SESSIONS.idFromName(sessionId));

/** Unwraps a session DO result, turning its error (data across RPC) back into the API error it stands for. */
export function unwrap<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error.type, result.error.message);
}
