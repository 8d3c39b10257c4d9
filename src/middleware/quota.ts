import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { workspaceQuota } from "../../durable-objects/workspace-quota/workspace-quota";

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Admits an API-key request against its workspace's limits (one call to the workspace's quota object, no D1):
 * the request rate and, for a write, the day's write bytes. A refusal is a 429 `rate_limit_error` naming the
 * limit, with `retry-after`. Environment keys and sessions tokens (the hands) are not rate-limited: they only
 * carry the work the workspace's own API calls started, and throttling them would stall its sessions.
 */
export const enforceWorkspaceQuota = createMiddleware<AppEnv>(async (c, next) => {
  const principal = c.var.principal;
  if (principal.kind !== "api_key") return next();
  const quota = workspaceQuota(c.env, principal.workspaceId);
  const write = WRITES.has(c.req.method);
  const declared = write ? Number(c.req.header("content-length") ?? 0) || 0 : 0;
  const admission = await quota.admit(principal.workspaceId, { writeBytes: declared });
  if (!admission.ok) {
    c.header("retry-after", String(admission.retryAfterSeconds));
    throw new ApiError("rate_limit_error", admission.message);
  }
  c.set("limits", admission.limits);
  c.set("modelTokensLeft", admission.modelTokensLeft);
  const body = c.req.raw.body;
  if (!write || declared > 0 || !body) return next();
  // A body without a length (chunked) is counted as it is read and charged afterwards: the day's total
  // stays exact, and the next write is the one refused.
  let counted = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      counted += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  c.req.raw = new Request(c.req.raw, { body: body.pipeThrough(counter) });
  try {
    await next();
  } finally {
    if (counted > 0) c.executionCtx.waitUntil(quota.chargeWriteBytes(counted));
  }
});
