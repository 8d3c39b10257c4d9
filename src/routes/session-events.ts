import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { ownedSessionStub, SESSION_NOT_FOUND, unwrapSession } from "../db/queries/sessions";
import { requireBeta } from "../middleware/betas";
import { ApiError, badRequest, notFound } from "../lib/errors";
import { validate } from "../lib/validation";
import { deltaTypes, listEventsQuery, sendEventsBody } from "../schemas/events";
import { assertModelTokensLeft, startsTurn } from "../limits/model-tokens";

/**
 * /v1/sessions/:id/events: send (`POST`), list (`GET`, PageCursor), stream (`GET /stream`, SSE) and our
 * WebSocket stream (`GET /ws`). The session's Durable Object is the one writer and the fan-out hub, and
 * checks the workspace itself: this router hands over without a D1 read.
 */
export const sessionEventRoutes = new Hono<AppEnv>();
sessionEventRoutes.use("*", requireBeta("managed-agents-2026-04-01"));

/** What the hands may post with their sessions token: the results of the tools they ran, nothing a user decides. */
const HANDS_EVENT_TYPES = new Set(["user.tool_result"]);

sessionEventRoutes.post("/:session_id/events", validate("json", sendEventsBody), async (c) => {
  const sent = c.req.valid("json").events;
  const refused = c.var.principal.kind === "sessions_token" && sent.find((e) => !HANDS_EVENT_TYPES.has(e.type));
  if (refused) {
    throw new ApiError("permission_error", `a sessions token may only post user.tool_result events, not ${refused.type}`);
  }
  const limits = c.var.limits;
  if (limits && startsTurn(sent)) assertModelTokensLeft(c.var.modelTokensLeft ?? 0, limits);
  const id = c.req.param("session_id");
  const caps = limits && { maxEvents: limits.max_events_per_session };
  const { events } = unwrapSession(id, await ownedSessionStub(c.env, id).sendEvents(c.var.workspaceId, sent, caps));
  return c.json({ data: events });
});

// An empty type (`types[]=`) names no event type: refused like the other bad values, not read as "match nothing".
const eventType = z.string().min(1);

const listQuery = listEventsQuery.omit({ types: true }).extend({
  // The SDK sends arrays as `types[]=a&types[]=b`: one value arrives as a string, several as an array.
  "types[]": z.union([eventType, z.array(eventType)]).optional(),
  types: z.union([eventType, z.array(eventType)]).optional(),
});

sessionEventRoutes.get("/:session_id/events", validate("query", listQuery), async (c) => {
  const id = c.req.param("session_id");
  const { "types[]": bracketed, types, ...query } = c.req.valid("query");
  const typeList = [bracketed ?? [], types ?? []].flat();
  return c.json(
    unwrapSession(
      id,
      await ownedSessionStub(c.env, id).listEvents(c.var.workspaceId, {
        ...query,
        types: typeList.length ? typeList : undefined,
      }),
    ),
  );
});

/** SSE: resumable with `Last-Event-ID` (or `?after_id=`); `event_deltas[]` opts into previews. */
sessionEventRoutes.get("/:session_id/events/stream", (c) => openStream(c, "/stream"));

/** Our WebSocket stream: one JSON event per message, resumable with `?after_id=`. */
sessionEventRoutes.get("/:session_id/events/ws", (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw badRequest("this endpoint expects a WebSocket upgrade (Upgrade: websocket)");
  }
  return openStream(c, "/ws");
});

/** Hands a stream to the session's DO; `thread`: one thread's stream (`threads.events.stream`, session-threads.ts). */
export async function openStream(c: Context<AppEnv>, path: "/stream" | "/ws", thread?: string) {
  const id = c.req.param("session_id")!;
  const stub = ownedSessionStub(c.env, id);
  const deltas = deltaTypes.safeParse([...c.req.queries("event_deltas[]") ?? [], ...c.req.queries("event_deltas") ?? []]);
  if (!deltas.success) throw badRequest("event_deltas: each value must be agent.message or agent.thinking");
  const after = c.req.header("last-event-id") || c.req.query("after_id");
  const url = new URL(`https://session${path}`);
  if (after) url.searchParams.set("after", after);
  if (thread) url.searchParams.set("thread", thread);
  for (const type of deltas.data) url.searchParams.append("deltas", type);
  // Only what the DO needs: the workspace (a guard) and, for /ws, the upgrade. Credentials stay here.
  const headers = new Headers({ "x-workspace-id": c.var.workspaceId });
  const upgrade = c.req.header("upgrade");
  if (upgrade) headers.set("upgrade", upgrade);
  const response = await stub.fetch(new Request(url, { method: "GET", headers }));
  if (response.status === 400 || response.status === 404 || response.status === 426) {
    const { type, message } = await response.json<{ type: string; message: string }>();
    if (message === SESSION_NOT_FOUND) throw notFound("session", id);
    throw new ApiError(type === "not_found_error" ? "not_found_error" : "invalid_request_error", message);
  }
  return response;
}
