import { z } from "zod";
import type { CredentialRow } from "../db/schema/vaults";
import { parseHttpsUrl } from "./https-url";
import { displayName, metadata, metadataPatch } from "./vaults";

/**
 * Credential bodies, mirroring the SDK's `CredentialCreateParams` / `CredentialUpdateParams`, and the credential
 * as responses render it. How each auth type divides into what is stored in clear and what is encrypted is
 * `credential-auth.ts`'s.
 */

/** Any write-only secret: tokens, client secrets, variable values. */
const secret = z.string().min(1).max(64 * 1024);

/** Secrets travel to these URLs, so https only (plain http just for a local development server). */
const secureUrl = z
  .string()
  .max(2048)
  .refine((value) => parseHttpsUrl(value) !== null, "must be an absolute https URL");

const futureTimestamp = z.iso
  .datetime({ offset: true })
  .refine((value) => Date.parse(value) > Date.now(), "must be in the future");

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`, "i");
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** A bare hostname, an IPv4 address or `*.` + hostname: no scheme, port, path or IPv6. */
const allowedHost = z
  .string()
  .transform((host) => host.toLowerCase())
  .refine((host) => {
    if (host.startsWith("*.")) return HOSTNAME.test(host.slice(2)) && !/^[\d.]+$/.test(host.slice(2));
    return /^[\d.]+$/.test(host) ? IPV4.test(host) : HOSTNAME.test(host);
  }, "must be a bare hostname, an IPv4 address or a *. wildcard (no scheme, port, path or IPv6)");

const networking = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("unrestricted") }),
  z.strictObject({ type: z.literal("limited"), allowed_hosts: z.array(allowedHost).min(1).max(16) }),
]);

const injectionLocation = z.strictObject({ body: z.boolean().optional(), header: z.boolean().optional() });

const secretName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name: letters, digits and _, not starting with a digit");

const scope = z.string().max(4096);

const tokenEndpointAuth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("none") }),
  z.strictObject({ type: z.literal("client_secret_basic"), client_secret: secret }),
  z.strictObject({ type: z.literal("client_secret_post"), client_secret: secret }),
]);

export const refreshCreate = z.strictObject({
  client_id: z.string().min(1).max(1024),
  refresh_token: secret,
  token_endpoint: secureUrl,
  token_endpoint_auth: tokenEndpointAuth,
  resource: z.string().max(2048).nullish(),
  scope: scope.nullish(),
});

export const createAuth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("static_bearer"), mcp_server_url: secureUrl, token: secret }),
  z.strictObject({
    type: z.literal("mcp_oauth"),
    mcp_server_url: secureUrl,
    access_token: secret,
    expires_at: futureTimestamp.nullish(),
    refresh: refreshCreate.nullish(),
  }),
  z.strictObject({
    type: z.literal("environment_variable"),
    secret_name: secretName,
    secret_value: secret,
    networking,
    injection_location: injectionLocation.optional(),
  }),
]);

export const createCredential = z.strictObject({
  auth: createAuth,
  display_name: z.string().max(255).nullish(),
  metadata: metadata.optional(),
});

/** On update a client secret may be replaced, never the `token_endpoint_auth` type itself. */
const tokenEndpointAuthUpdate = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("client_secret_basic"), client_secret: secret.nullish() }),
  z.strictObject({ type: z.literal("client_secret_post"), client_secret: secret.nullish() }),
]);

// Identity fields (mcp_server_url, secret_name, client_id, token_endpoint, resource) are
// immutable: the strict objects reject them by name.
export const updateAuth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("static_bearer"), token: secret.nullish() }),
  z.strictObject({
    type: z.literal("mcp_oauth"),
    access_token: secret.nullish(),
    expires_at: futureTimestamp.nullish(),
    refresh: z
      .strictObject({
        refresh_token: secret.nullish(),
        scope: scope.nullish(),
        token_endpoint_auth: tokenEndpointAuthUpdate.optional(),
      })
      .nullish(),
  }),
  z.strictObject({
    type: z.literal("environment_variable"),
    secret_value: secret.nullish(),
    networking: networking.nullish(),
    injection_location: injectionLocation.optional(),
  }),
]);

export const updateCredential = z.strictObject({
  auth: updateAuth.optional(),
  display_name: displayName.nullish(),
  metadata: metadataPatch.optional(),
});

/** The SDK's `BetaManagedAgentsCredential`: never any secret. */
export const credentialJson = (c: CredentialRow) => ({
  type: "vault_credential" as const,
  id: c.id,
  vault_id: c.vaultId,
  display_name: c.displayName,
  metadata: c.metadata,
  auth: c.auth,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
  archived_at: c.archivedAt,
});
