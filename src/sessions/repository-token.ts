import type { Env } from "../env";
import type { StoredResource } from "../db/schema";
import { vaultSecretBox, type SecretBinding } from "../lib/secret-box";

/**
 * A `github_repository` resource's clone token at rest: sealed with the vault's key (secret-box.ts), bound
 * to the workspace and the resource id, so a ciphertext copied into another resource or another tenant's
 * row fails to open. The API never renders it (`resourceJson` strips both fields); only the hands' clone
 * path (`openRepositoryToken`, durable-objects/sandbox/mount-resources.ts) ever sees the plaintext.
 */
export const SEALED_TOKEN = "sealed_authorization_token";

type Box = Pick<Env, "VAULT_ENCRYPTION_KEY">;

const binding = (workspaceId: string, resource: StoredResource): SecretBinding => ({ workspaceId, recordId: resource.id });

/** Replaces every plaintext `authorization_token` with its sealed envelope (no key is needed when there is none). */
export async function sealRepositoryTokens(env: Box, workspaceId: string, resources: StoredResource[]): Promise<StoredResource[]> {
  if (!resources.some((r) => typeof r.authorization_token === "string")) return resources;
  const box = vaultSecretBox(env);
  return Promise.all(
    resources.map(async (r) => {
      if (typeof r.authorization_token !== "string") return r;
      const { authorization_token: token, ...rest } = r;
      return { ...rest, [SEALED_TOKEN]: await box.seal(token, binding(workspaceId, r)) } as StoredResource;
    }),
  );
}

/**
 * The clone token of a repository resource, or null when it has none. Rows written before tokens were
 * sealed still hold `authorization_token` in the clear; it is used as is until the next write seals it.
 */
export async function openRepositoryToken(env: Box, workspaceId: string, resource: StoredResource): Promise<string | null> {
  const sealed = resource[SEALED_TOKEN];
  if (typeof sealed === "string") return vaultSecretBox(env).open(sealed, binding(workspaceId, resource));
  return typeof resource.authorization_token === "string" ? resource.authorization_token : null;
}
