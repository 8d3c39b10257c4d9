import { and, eq } from "drizzle-orm";
import type { Database } from "../client";
import { sessions } from "../schema";
import type { Env } from "../../env";
import { ApiError, notFound } from "../../lib/errors";
import type { RpcResult } from "../../../durable-objects/session/types";
import type { MirroredFields } from "../../../durable-objects/session/d1-mirror";

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

/**
 * A session as its client last saw it: D1's row with the fields the session object owns read from the object, in
 * parallel, since D1 may lag it by a deferred mirror write (durable-objects/session/d1-mirror.ts). So a retrieve
 * after a turn's `session.status_idle` reads idle, whether or not D1 has been written yet.
 */
export async function readSession(env: Env, db: Database, workspaceId: string, sessionId: string) {
  const [row, fields] = await Promise.all([
    findSession(db, workspaceId, sessionId),
    // (RPC's type mapping loses the row's JSON column types: they cross as the same structured clone.)
    SESSION_ID_SHAPE.test(sessionId) ? (sessionStub(env, sessionId).mirrored(workspaceId) as Promise<MirroredFields | undefined>) : undefined,
  ]);
  return fields && fields.mirrorSeq >= row.mirrorSeq ? { ...row, ...fields } : row;
}

/** The session's Durable Object: named by the session id, so any Worker (routes, hands) finds it. */
export const sessionStub = (env: Env, sessionId: string) => env.SESSIONS.get(env.SESSIONS.idFromName(sessionId));

/**
 * What a session id looks like (`newId("sesn")`, or a deployment run's `sesn_<run suffix>`): anything else names no
 * session, and is refused without waking an object.
 */
const SESSION_ID_SHAPE = /^sesn_[0-9A-Za-z]{8,64}$/;

/**
 * The session's Durable Object for a route on the hot path (send, stream, events): no D1 read first, since the
 * object holds the session's workspace and refuses every other (`owned`), answering as if the session did not
 * exist. Use `unwrapSession` on its results so that refusal reads like `findSession`'s 404.
 */
export function ownedSessionStub(env: Env, sessionId: string) {
  if (!SESSION_ID_SHAPE.test(sessionId)) throw notFound("session", sessionId);
  return sessionStub(env, sessionId);
}

/** The object's message for a session that is not there (or not the caller's). */
export const SESSION_NOT_FOUND = "session not found";

/** `unwrap`, with the object's refusal named like `findSession`'s 404. */
export function unwrapSession<T>(sessionId: string, result: RpcResult<T>): T {
  if (!result.ok && result.error.type === "not_found_error" && result.error.message === SESSION_NOT_FOUND) throw notFound("session", sessionId);
  return unwrap(result);
}

/** Unwraps a session DO result, turning its error (data across RPC) back into the API error it stands for. */
export function unwrap<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error.type, result.error.message);
}
