import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./env";
import { ApiError, errorBody } from "./lib/errors";
import { requestId } from "./middleware/request-id";
import { requestLog } from "./middleware/request-log";
import { readBetas } from "./middleware/betas";
import { requireApiKey } from "./middleware/auth";
import { enforceWorkspaceQuota } from "./middleware/quota";
import { websocketProtocol } from "./middleware/websocket-protocol";
import { adminRoutes } from "./routes/admin";
import { v1Routes } from "./routes";
import { openApiDocumentHandler } from "./openapi/document";
import { tunnelConnectRoutes } from "./routes/tunnel-connect";

export const app = new Hono<AppEnv>();

app.use("*", requestId);
app.use("*", requestLog);
app.use("*", readBetas);

app.get("/health", (c) => c.json({ ok: true }));
app.get("/openapi.json", openApiDocumentHandler(app));
app.route("/admin", adminRoutes);
// The console (public/console) is static assets, served before the Worker runs when deployed or under
// wrangler dev; these routes serve it when the Worker is called directly (tests, service bindings).
app.get("/", (c) => c.redirect("/console/"));
app.get("/console", (c) => c.env.ASSETS.fetch(c.req.raw));
app.get("/console/*", (c) => c.env.ASSETS.fetch(c.req.raw));
app.route("/tunnels", tunnelConnectRoutes);
app.use("/v1/*", websocketProtocol);
app.use("/v1/*", requireApiKey);
app.use("/v1/*", enforceWorkspaceQuota);
app.route("/v1", v1Routes);

app.notFound((c) =>
  c.json(errorBody("not_found_error", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`, c.var.requestId), 404),
);

app.onError((err, c) => {
  const requestId = c.var.requestId ?? "";
  if (err instanceof ApiError) {
    return c.json(errorBody(err.type, err.message, requestId, err.fields), err.status);
  }
  if (err instanceof HTTPException) {
    // Hono's own 4xx (e.g. malformed JSON from the validator) keep their status.
    const status = err.status;
    const type = status === 413 ? "request_too_large" : status === 401 ? "authentication_error" : "invalid_request_error";
    return c.json(errorBody(type, err.message || "invalid request", requestId), status >= 500 ? 500 : status);
  }
  console.error(JSON.stringify({ level: "error", request_id: requestId, message: String(err), stack: (err as Error).stack }));
  return c.json(errorBody("api_error", "internal server error", requestId), 500);
});
