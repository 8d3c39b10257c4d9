import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { ownedSessionStub, unwrapSession } from "../db/queries/sessions";
import { requireBeta } from "../middleware/betas";
import { pageParams } from "../lib/pagination";
import { validate } from "../lib/validation";
import { listEventsQuery } from "../schemas/events";
import { openStream } from "./session-events";

/**
 * /v1/sessions/:id/threads: list, retrieve, archive, and each thread's events (list, SSE stream). Threads live
 * in the session's Durable Object (durable-objects/session/threads.ts), which checks the session belongs to the
 * workspace, so this router hands over without a D1 read, like the events router.
 */
export const sessionThreadRoutes = new Hono<AppEnv>();
sessionThreadRoutes.use("*", requireBeta("managed-agents-2026-04-01"));

const status = z.enum(["running", "idle", "rescheduling", "terminated"]);
const listQuery = pageParams.extend({
  // The SDK sends arrays as `statuses[]=a&statuses[]=b`: one value arrives as a string, several as an array.
  "statuses[]": z.union([status, z.array(status)]).optional(),
  statuses: z.union([status, z.array(status)]).optional(),
});

const stub = (c: { env: AppEnv["Bindings"] }, sessionId: string) => ownedSessionStub(c.env, sessionId);

sessionThreadRoutes.get("/:session_id/threads", validate("query", listQuery), async (c) => {
  const { "statuses[]": bracketed, statuses, ...page } = c.req.valid("query");
  const wanted = [bracketed ?? [], statuses ?? []].flat();
  const id = c.req.param("session_id");
  const session = stub(c, id);
  return c.json(unwrapSession(id, await session.listThreads(c.var.workspaceId, { ...page, statuses: wanted.length ? wanted : undefined })));
});

sessionThreadRoutes.get("/:session_id/threads/:thread_id", async (c) => {
  const id = c.req.param("session_id");
  const session = stub(c, id);
  return c.json(unwrapSession(id, await session.getThread(c.var.workspaceId, c.req.param("thread_id"))));
});

sessionThreadRoutes.post("/:session_id/threads/:thread_id/archive", async (c) => {
  const id = c.req.param("session_id");
  const session = stub(c, id);
  return c.json(unwrapSession(id, await session.archiveThread(c.var.workspaceId, c.req.param("thread_id"))));
});

const eventsQuery = listEventsQuery.pick({ limit: true, page: true });

sessionThreadRoutes.get("/:session_id/threads/:thread_id/events", validate("query", eventsQuery), async (c) => {
  const id = c.req.param("session_id");
  const session = stub(c, id);
  const query = { ...c.req.valid("query"), order: "asc" as const };
  return c.json(unwrapSession(id, await session.listEvents(c.var.workspaceId, query, c.req.param("thread_id"))));
});

/** SSE, resumable with `Last-Event-ID` like the session's; `event_deltas[]` previews this thread's messages only. */
sessionThreadRoutes.get("/:session_id/threads/:thread_id/stream", (c) => openStream(c, "/stream", c.req.param("thread_id")));
