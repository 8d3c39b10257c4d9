import { createMiddleware } from "hono/factory";
import { and, eq, gt, isNull } from "drizzle-orm";
import { database } from "../db/client";
import { apiKeys, environmentKeys, environments, sessionsTokens } from "../db/schema";
import { ApiError } from "../lib/errors";
import { sha256Hex } from "../lib/ids";
import { ENVIRONMENT_KEY_PREFIX, SESSIONS_TOKEN_PREFIX } from "../hands/tokens";
import type { AppEnv } from "../env";
import { subprotocolKey } from "./websocket-protocol";
import { principalCache } from "./principal-cache";

/**
 * Who is calling. A workspace API key may do everything in its workspace; an environment key only drives
 * its environment's work queue; a sessions token only serves the one session its work item is for.
 */
export type Principal =
  | { kind: "api_key"; workspaceId: string; apiKeyId: string }
  | { kind: "environment_key"; workspaceId: string; environmentId: string; keyId: string }
  | {
      kind: "sessions_token";
      workspaceId: string;
      environmentId: string;
      sessionId: string;
      workId: string | null;
      epoch: number;
      tokenId: string;
    };

/** The key from `x-api-key`, or from `Authorization: Bearer` as the SDK's authToken sends it. */
export function presentedKey(headers: Headers): string | undefined {
  const apiKey = headers.get("x-api-key");
  if (apiKey) return apiKey.trim();
  const auth = headers.get("authorization");
  const match = auth?.match(/^Bearer\s+(.+)$/i);
  // Browser WebSocket handshakes cannot set headers: their key comes as an offered subprotocol.
  return match?.[1].trim() ?? subprotocolKey(headers);
}

/**
 * Resolves the credential to a principal and its workspace, then lets a scoped credential through only
 * to the routes it is for. Every /v1 query is then scoped by `workspaceId`.
 */
export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  const key = presentedKey(c.req.raw.headers);
  if (!key) throw new ApiError("authentication_error", "x-api-key header is required");
  const principal = await resolvePrincipal(c.env.DB, key);
  if (!principal) throw new ApiError("authentication_error", "invalid x-api-key");
  let access = scopedAccess(principal, c.req.method, new URL(c.req.url).pathname);
  if (typeof access === "object" && principal.kind === "sessions_token") access = await sessionResourceAccess(c.env.DB, principal, access);
  if (access === "not_found") throw new ApiError("not_found_error", "not found");
  if (access === "unauthorized") {
    throw new ApiError("authentication_error", `this ${principal.kind.replace("_", " ")} cannot be used for this endpoint`);
  }
  // The SDK sends `anthropic-workspace-id` when a call names a workspace; a key only ever reaches its own,
  // and another workspace is answered as if it did not exist.
  const named = c.req.header("anthropic-workspace-id");
  if (named && named !== principal.workspaceId) throw new ApiError("not_found_error", `workspace not found: ${named}`);
  c.set("principal", principal);
  c.set("workspaceId", principal.workspaceId);
  if (principal.kind === "api_key") c.set("apiKeyId", principal.apiKeyId);
  await next();
});

/** The credential's principal: an API or environment key from the isolate's cache when it was seen lately (principal-cache.ts). */
async function resolvePrincipal(d1: D1Database, key: string): Promise<Principal | null> {
  const hash = await sha256Hex(key);
  const cached = principalCache.get(hash);
  if (cached) return cached;
  const principal = await lookUpPrincipal(d1, key, hash);
  if (principal) principalCache.set(hash, principal);
  return principal;
}

async function lookUpPrincipal(d1: D1Database, key: string, hash: string): Promise<Principal | null> {
  const db = database(d1);
  if (key.startsWith(ENVIRONMENT_KEY_PREFIX)) {
    const [row] = await db
      .select()
      .from(environmentKeys)
      .where(and(eq(environmentKeys.hash, hash), isNull(environmentKeys.revokedAt)))
      .limit(1);
    return row && { kind: "environment_key", workspaceId: row.workspaceId, environmentId: row.environmentId, keyId: row.id };
  }
  if (key.startsWith(SESSIONS_TOKEN_PREFIX)) {
    const [found] = await db
      .select({ token: sessionsTokens, keyId: environmentKeys.id, keyRevokedAt: environmentKeys.revokedAt, archivedAt: environments.archivedAt })
      .from(sessionsTokens)
      .leftJoin(environmentKeys, eq(environmentKeys.id, sessionsTokens.environmentKeyId))
      .leftJoin(environments, and(eq(environments.id, sessionsTokens.environmentId), eq(environments.workspaceId, sessionsTokens.workspaceId)))
      .where(and(eq(sessionsTokens.hash, hash), isNull(sessionsTokens.revokedAt), gt(sessionsTokens.expiresAt, new Date().toISOString())))
      .limit(1);
    // A token handed out under an environment key lives no longer than the key and its environment.
    if (!found || (found.token.environmentKeyId && (!found.keyId || found.keyRevokedAt || found.archivedAt))) return null;
    const row = found.token;
    return {
      kind: "sessions_token",
      workspaceId: row.workspaceId,
      environmentId: row.environmentId,
      sessionId: row.sessionId,
      workId: row.workId,
      epoch: row.epoch,
      tokenId: row.id,
    };
  }
  const [row] = await db
    .select({ id: apiKeys.id, workspaceId: apiKeys.workspaceId })
    .from(apiKeys)
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row && { kind: "api_key", workspaceId: row.workspaceId, apiKeyId: row.id };
}

/** A sessions token's access to a skill or memory store hangs on the session: its agent's skills, its attached stores. */
type SessionResourceCheck = { resource: "skill" | "memory_store"; id: string; write: boolean };
type Access = "allow" | "not_found" | "unauthorized" | SessionResourceCheck;

/** Work endpoints an environment worker drives with its environment key. */
const WORKER_ROUTES: [method: string, pattern: RegExp][] = [
  ["GET", /^\/v1\/environments\/([^/]+)\/work$/],
  ["GET", /^\/v1\/environments\/([^/]+)\/work\/poll$/],
  ["GET", /^\/v1\/environments\/([^/]+)\/work\/stats$/],
  ["POST", /^\/v1\/environments\/([^/]+)\/work\/[^/]+\/(ack|heartbeat|stop)$/],
];

/** What the SDK worker does with a work item's sessions token, keyed by which id must be the token's. */
const SESSION_ROUTES: [method: string, pattern: RegExp][] = [
  ["GET", /^\/v1\/sessions\/([^/]+)$/],
  ["GET", /^\/v1\/sessions\/([^/]+)\/events$/],
  ["POST", /^\/v1\/sessions\/([^/]+)\/events$/],
  ["GET", /^\/v1\/sessions\/([^/]+)\/events\/stream$/],
];
const SESSION_WORK_ROUTE = /^\/v1\/environments\/([^/]+)\/work\/([^/]+)\/(heartbeat|stop)$/;
/** Skill downloads for the session's agent (setupSkills: retrieve the version, then its content). */
const SKILL_ROUTE = /^\/v1\/skills\/([^/]+)\/versions\/[^/]+(?:\/content)?$/;
/** Memory sync of the stores attached to the session (list, read, create, update, delete memories). */
const MEMORY_ROUTE = /^\/v1\/memory_stores\/([^/]+)\/memories(?:\/[^/]+)?$/;

/**
 * Scoped credentials reach only their own routes. Naming another environment's or session's id is a 404,
 * as for an id of another workspace; any other route is refused outright. Skills and memory stores depend on
 * the session's contents, so for those the answer is a check to run against the session.
 */
export function scopedAccess(principal: Principal, method: string, path: string): Access {
  if (principal.kind === "api_key") return "allow";
  if (principal.kind === "environment_key") {
    for (const [m, pattern] of WORKER_ROUTES) {
      const match = path.match(pattern);
      if (match && m === method) return match[1] === principal.environmentId ? "allow" : "not_found";
    }
    return "unauthorized";
  }
  for (const [m, pattern] of SESSION_ROUTES) {
    const match = path.match(pattern);
    if (match && m === method) return match[1] === principal.sessionId ? "allow" : "not_found";
  }
  const work = method === "POST" && path.match(SESSION_WORK_ROUTE);
  if (work) return work[1] === principal.environmentId && work[2] === principal.workId ? "allow" : "not_found";
  const skill = method === "GET" && path.match(SKILL_ROUTE);
  if (skill) return { resource: "skill", id: skill[1], write: false };
  const memory = ["GET", "POST", "DELETE"].includes(method) && path.match(MEMORY_ROUTE);
  if (memory) return { resource: "memory_store", id: memory[1], write: method !== "GET" };
  return "unauthorized";
}

/**
 * Looks the token's session up: a skill must be one of its agent's, a memory store one attached to it (and
 * attached `read_write` for a write). Reads the session plane's D1 index (`sessions.agent`, `sessions.resources`).
 */
async function sessionResourceAccess(
  d1: D1Database,
  principal: Extract<Principal, { kind: "sessions_token" }>,
  check: SessionResourceCheck,
): Promise<Access> {
  let row: { agent: string; resources: string } | null;
  try {
    row = await d1
      .prepare("SELECT agent, resources FROM sessions WHERE workspace_id = ? AND id = ?")
      .bind(principal.workspaceId, principal.sessionId)
      .first();
  } catch {
    return "unauthorized"; // a build without the session plane has no session to grant anything
  }
  if (!row) return "not_found";
  if (check.resource === "skill") {
    const skills: Array<{ skill_id?: string }> = JSON.parse(row.agent).skills ?? [];
    return skills.some((s) => s.skill_id === check.id) ? "allow" : "not_found";
  }
  const resources: Array<{ type?: string; memory_store_id?: string; access?: string | null }> = JSON.parse(row.resources);
  const store = resources.find((r) => r.type === "memory_store" && r.memory_store_id === check.id);
  if (!store) return "not_found";
  return check.write && store.access === "read_only" ? "unauthorized" : "allow";
}

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
