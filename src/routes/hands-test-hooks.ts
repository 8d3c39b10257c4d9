import { Hono } from "hono";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { findSession } from "../db/queries/sessions";

/**
 * End-to-end harness only (HANDS_TEST_HOOKS=1; a 404 in every other deployment): what going idle does to a cloud
 * session's sandbox, on demand, so a suite can destroy the sandbox and watch the next tool use restore its
 * workspace without waiting out IDLE_SNAPSHOT_MS.
 */
export const handsTestHookRoutes = new Hono<AppEnv>();

handsTestHookRoutes.post("/:session_id/__sandbox/snapshot", async (c) => {
  if (c.env.HANDS_TEST_HOOKS !== "1" || c.var.principal.kind !== "api_key") return c.notFound();
  const session = await findSession(database(c.env.DB), c.var.workspaceId, c.req.param("session_id"));
  const snapshot = await c.env.SANDBOXES.get(c.env.SANDBOXES.idFromName(session.id)).snapshot();
  return c.json({ snapshot });
});
