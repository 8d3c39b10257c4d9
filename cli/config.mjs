// Where the CLI connects and with what: flags, then environment variables, then the local stack's files
// (.local/credentials.json written by `npm start`, and .dev.vars for its admin token).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { readDevVars } from "../scripts/start/dev-vars.mjs";

export const BETA = "managed-agents-2026-04-01";
const projectRoot = path.resolve(import.meta.dirname, "..");

function readJson(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
}

/** The connection: `url`, `apiKey`, `adminToken`, each from the first place that has it. */
export function resolveConnection(flags, env = process.env) {
  const saved = readJson(flags.credentials ?? path.join(projectRoot, ".local", "credentials.json"));
  const devVars = readDevVars();
  const url = flags.url ?? env.MA_BASE_URL ?? saved.baseURL ?? `http://127.0.0.1:${env.PORT ?? 8787}`;
  return {
    url: url.replace(/\/+$/, ""),
    apiKey: flags["api-key"] ?? env.MA_API_KEY ?? saved.apiKey,
    adminToken: flags["admin-token"] ?? env.MA_ADMIN_TOKEN ?? env.ADMIN_TOKEN ?? devVars.ADMIN_TOKEN,
  };
}

export class UsageError extends Error {}

/** The official SDK bound to the public API with the workspace API key. */
export function sdk(connection) {
  if (!connection.apiKey) throw new UsageError("no API key: pass --api-key, set MA_API_KEY, or run `npm start` once");
  return new Anthropic({ baseURL: connection.url, apiKey: connection.apiKey, maxRetries: 2, logLevel: "off" });
}

/** The admin API (not part of the SDK): plain fetch with the operator's Bearer ADMIN_TOKEN. */
export async function admin(connection, method, route, body) {
  if (!connection.adminToken) throw new UsageError("no admin token: pass --admin-token or set MA_ADMIN_TOKEN");
  const res = await fetch(`${connection.url}/admin${route}`, {
    method,
    headers: { authorization: `Bearer ${connection.adminToken}`, ...(body !== undefined && { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} /admin${route}: ${res.status} ${json?.error?.type ?? ""}: ${json?.error?.message ?? text}`);
  return json;
}
