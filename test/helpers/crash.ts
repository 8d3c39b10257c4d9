import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import type { SessionDurableObject } from "../../durable-objects/session/session-durable-object";

/** The session's Durable Object, for `runInDurableObject` (inspecting its state, or crashing it). */
export const sessionStub = (sessionId: string) =>
  env.SESSIONS.get(env.SESSIONS.idFromName(sessionId)) as DurableObjectStub<SessionDurableObject>;

/**
 * Kills the session's Durable Object instance, as an eviction or a crash would: in-flight work dies with it and
 * the next request or alarm gets a fresh instance over the same storage. (Only this object: other test files
 * share the runtime.)
 */
export async function crashSession(sessionId: string) {
  await runInDurableObject(sessionStub(sessionId), (_instance, state) => state.abort("simulated crash")).catch(() => {});
}
