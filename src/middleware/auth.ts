import { createMiddleware } from "hono/factory";
import { and, eq, isNull } from "drizzle-orm";
import { database } from "../db/client";
import { apiKeys } from "../db/schema";
import { ApiError } from "../lib/errors";
import { sha256Hex } from "../lib/ids";
import type { AppEnv } from "../env";
import { subprotocolKey } from "./websocket-protocol";

/** The key from `x-api-key`, or from `Authorization: Bearer` as the SDK's authToken sends it. */
export function presentedKey(headers: Headers): string | undefined {
  const apiKey = headers.get("x-api-key");
  if (apiKey) return apiKey.trim();
  const auth = headers.get("authorization");
  const match = auth?.match(/^Bearer\s+(.+)$/i);
  // Browser WebSocket handshakes cannot set headers: their key comes as an offered subprotocol.
  return match?.[1].trim() ?? subprotocolKey(headers);
}

/** Resolves the API key to its workspace; every /v1 query is then scoped by `workspaceId`. */
export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  const key = presentedKey(c.req.raw.headers);
  if (!key) throw new ApiError("authentication_error", "x-api-key header is required");
  const [row] = await database(c.env.DB)
    .select({ id: apiKeys.id, workspaceId: apiKeys.workspaceId })
    .from(apiKeys)
    .where(and(eq(apiKeys.hash, await sha256Hex(key)), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) throw new ApiError("authentication_error", "invalid x-api-key");
  c.set("workspaceId", row.workspaceId);
  c.set("apiKeyId", row.id);
  await next();
});

/** Guards the admin API with the ADMIN_TOKEN secret, compared in constant time. */
export const requireAdminToken = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  const presented = presentedKey(c.req.raw.headers);
  if (!expected) throw new ApiError("permission_error", "the admin API is disabled: set the ADMIN_TOKEN secret");
  if (!presented || !(await timingSafeEqual(presented, expected))) {
    throw new ApiError("authentication_error", "invalid admin token");
  }
  await next();
});

async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([sha256Hex(a), sha256Hex(b)]);
  let diff = 0;
  for (let i = 0; i < ha.length; i++) diff |= ha.charCodeAt(i) ^ hb.charCodeAt(i);
  return diff === 0;
}
