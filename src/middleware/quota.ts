import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { admitRequest, chargeWriteBytes, RateLimited } from "../limits/admission";

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Admits an API-key request against its workspace's limits (src/limits/admission.ts: usually no call at all):
 * the request rate and, for a write, the day's write bytes. A refusal is a 429 `rate_limit_error` naming the
 * limit, with `retry-after`. Environment keys and sessions tokens (the hands) are not rate-limited: they only
 * carry the work the workspace's own API calls started, and throttling them would stall its sessions.
 */
export const enforceWorkspaceQuota = createMiddleware<AppEnv>(async (c, next) => {
  const principal = c.var.principal;
  if (principal.kind !== "api_key") return next();
  const write = WRITES.has(c.req.method);
  const declared = write ? Number(c.req.header("content-length") ?? 0) || 0 : 0;
  let admitted;
  try {
    admitted = await admitRequest(c.env, principal.workspaceId, declared);
    c.set("limits", admitted.limits);
    c.set("modelTokensLeft", admitted.modelTokensLeft);
  } catch (err) {
    if (err instanceof RateLimited) c.header("retry-after", String(err.retryAfterSeconds));
    throw err;
  }
  // A body without a length (chunked) is counted as it is read and charged afterwards: the day's total
  // stays exact, and the next write is the one refused.
  let counted = 0;
  const body = c.req.raw.body;
  if (write && declared === 0 && body) {
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        counted += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    c.req.raw = new Request(c.req.raw, { body: body.pipeThrough(counter) });
  }
  try {
    await next();
  } finally {
    // Charged once the route is done (succeeded or not: the bytes were admitted), so the quota object's work never
    // runs beside the request's own (on events.send, beside the session's commit).
    const bytes = admitted.uncharged + counted;
    if (bytes > 0) backgroundOf(c)(chargeWriteBytes(c.env, principal.workspaceId, bytes));
  }
});

/**
 * The request's `waitUntil`; a caller that hands the app no ExecutionContext (a service binding's `app.fetch(req, env)`,
 * a test) gets the charge run unawaited instead of a 500: Hono's `executionCtx` throws when there is none.
 */
function backgroundOf(c: { executionCtx: { waitUntil(p: Promise<unknown>): void } }): (p: Promise<unknown>) => void {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return (p) => void p.catch(() => {});
  }
}
