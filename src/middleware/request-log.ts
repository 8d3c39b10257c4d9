import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/**
 * One JSON line per request for Workers Logs (`REQUEST_LOG=errors`: only failed and slow ones). Only ids, route and timing: never headers,
 * bodies or query strings, which can carry keys and secrets.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  await next();
  const status = c.res.status;
  if (c.env.REQUEST_LOG === "errors" && status < 400 && Date.now() - started < 1000) return;
  console.log(
    JSON.stringify({
      level: c.res.status >= 500 ? "error" : "info",
      msg: "request",
      request_id: c.var.requestId,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: c.res.status,
      duration_ms: Date.now() - started,
      workspace_id: c.var.workspaceId,
    }),
  );
});
