import type Anthropic from "@anthropic-ai/sdk";
import { env } from "cloudflare:workers";
import { newId } from "../../src/lib/ids";
import { sdk } from "./client";

const BETA = { "anthropic-beta": "managed-agents-2026-04-01" };

/**
 * An environment row for the hands tests. Written straight to D1 while the environments API is being
 * built on its own branch; switch to `client.beta.environments.create` once it lands.
 */
export async function createEnvironment(
  workspaceId: string,
  config: { type: "self_hosted" } | { type: "cloud"; networking?: unknown; packages?: unknown } = { type: "self_hosted" },
): Promise<string> {
  const id = newId("env");
  const now = new Date().toISOString();
  await env.DB.prepare(
    `INSERT INTO environments (id, workspace_id, name, description, config_type, config, metadata, scope, created_at, updated_at)
     VALUES (?, ?, ?, NULL, ?, ?, '{}', 'organization', ?, ?)`,
  )
    .bind(id, workspaceId, `env-${id}`, config.type, JSON.stringify(config), now, now)
    .run();
  return id;
}

/** Mints an environment key through the API (the SDK has no method for it, so its generic `post`). */
export async function createEnvironmentKey(client: Anthropic, environmentId: string, name = "worker") {
  return client.post<{ id: string; key: string; partial_key_hint: string; revoked_at: string | null }>(
    `/v1/environments/${environmentId}/keys`,
    { body: { name }, headers: BETA },
  );
}

export async function revokeEnvironmentKey(client: Anthropic, environmentId: string, keyId: string) {
  return client.post<{ id: string; revoked_at: string | null }>(`/v1/environments/${environmentId}/keys/${keyId}/revoke`, {
    headers: BETA,
  });
}

/** The official SDK authenticated the way the environment worker is: a bearer token, no API key. */
export const bearerClient = (token: string) => sdk(null as unknown as string, { apiKey: null, authToken: token });

/** What the SDK worker extracts from a work item's `secret` (URL-safe base64 JSON). */
export function decodeSecret(secret: string): { sessions_token: string; api_base_url?: string } {
  const b64 = secret.replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, "=")));
}

/** The environment's queue, for enqueueing sessions as the brain would. */
export const queue = (environmentId: string) => env.WORK_QUEUES.get(env.WORK_QUEUES.idFromName(environmentId));

/**
 * Stand-in for the environments table until the environments resource lands on main: the same columns its
 * migration creates, so inserting here is a no-op once the real migration has run.
 */
export async function ensureEnvironmentsTable() {
  await env.DB.prepare(
    `CREATE TABLE IF NOT EXISTS environments (
      id TEXT PRIMARY KEY NOT NULL, workspace_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
      config_type TEXT NOT NULL, config TEXT NOT NULL, metadata TEXT NOT NULL, scope TEXT NOT NULL,
      created_at TEXT NOT NULL, updated_at TEXT NOT NULL, archived_at TEXT)`,
  ).run();
}
