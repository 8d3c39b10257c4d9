import type Anthropic from "@anthropic-ai/sdk";
import { env } from "cloudflare:workers";
import type { EnvironmentCreateParams } from "@anthropic-ai/sdk/resources/beta/environments/environments";
import { newId } from "../../src/lib/ids";
import { sdk } from "./client";

const BETA = { "anthropic-beta": "managed-agents-2026-04-01" };

/** An environment through the SDK (self-hosted unless a cloud config is given). */
export async function createEnvironment(
  client: Anthropic,
  config: EnvironmentCreateParams["config"] = { type: "self_hosted" },
): Promise<string> {
  const environment = await client.beta.environments.create({ name: `env-${newId("x")}`, config });
  return environment.id;
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
