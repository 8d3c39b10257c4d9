import Anthropic from "@anthropic-ai/sdk";
import { exports } from "cloudflare:workers";

/** The Worker under test, called in-process (no network). */
export const worker = exports.default;

export const ADMIN_TOKEN = "test-admin-token";
const BASE_URL = "http://managed-agents.test";

/** The official SDK, unmodified, talking to the Worker under test. */
export function sdk(apiKey: string, options: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}) {
  return new Anthropic({
    baseURL: BASE_URL,
    apiKey,
    maxRetries: 0,
    fetch: (input: RequestInfo | URL, init?: RequestInit) => worker.fetch(input as RequestInfo, init),
    ...options,
  });
}

/** A raw request to the Worker, for what the SDK cannot send (bad JSON, wrong types...). */
export function raw(path: string, init: RequestInit & { apiKey?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.apiKey) headers.set("x-api-key", init.apiKey);
  if (!headers.has("anthropic-beta")) headers.set("anthropic-beta", "managed-agents-2026-04-01");
  return worker.fetch(`${BASE_URL}${path}`, { ...init, headers });
}

export async function admin(path: string, body?: unknown) {
  const res = await worker.fetch(`${BASE_URL}/admin${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${await res.text()}`);
  return res.json<any>();
}

/** A fresh tenant: its workspace id, API key and an SDK client bound to it. */
export async function newTenant(name = "test") {
  const workspace = await admin("/workspaces", { name });
  const apiKey: string = workspace.api_key.key;
  return { workspaceId: workspace.id as string, apiKey, client: sdk(apiKey) };
}
