import type { z } from "zod";
import { badRequest } from "../lib/errors";
import type { createAuth, refreshCreate, updateAuth } from "./credentials";

/**
 * A credential's auth in two halves: a public one (stored in clear, rendered in responses) and a secret one
 * (encrypted, never rendered). `splitAuth` is the one place that decides which field goes where, and
 * `applyAuthUpdate` the one place that changes either half after creation.
 */

type CreateAuth = z.infer<typeof createAuth>;
type UpdateAuth = z.infer<typeof updateAuth>;
type Of<U, T> = Extract<U, { type: T }>;

const DEFAULT_INJECTION = { header: true, body: false };

function injection(location: { header: boolean; body: boolean }) {
  if (!location.header && !location.body) {
    throw badRequest("auth.injection_location: at least one of header or body must be enabled");
  }
  return location;
}

const publicRefresh = (r: z.infer<typeof refreshCreate>) => ({
  client_id: r.client_id,
  token_endpoint: r.token_endpoint,
  token_endpoint_auth: { type: r.token_endpoint_auth.type },
  resource: r.resource ?? null,
  scope: r.scope ?? null,
});

const publicAuth = {
  static_bearer: (a: Of<CreateAuth, "static_bearer">) => ({ type: a.type, mcp_server_url: a.mcp_server_url }),
  mcp_oauth: (a: Of<CreateAuth, "mcp_oauth">) => ({
    type: a.type,
    mcp_server_url: a.mcp_server_url,
    expires_at: (a.expires_at ?? null) as string | null,
    refresh: a.refresh ? (publicRefresh(a.refresh) as ReturnType<typeof publicRefresh> | null) : null,
  }),
  environment_variable: (a: Of<CreateAuth, "environment_variable">) => ({
    type: a.type,
    secret_name: a.secret_name,
    networking: a.networking,
    injection_location: injection({ ...DEFAULT_INJECTION, ...a.injection_location }),
  }),
};

/** The public half of a credential's auth: what the SDK's `*AuthResponse` types show. */
export type CredentialAuth = ReturnType<(typeof publicAuth)[keyof typeof publicAuth]>;
export type CredentialType = CredentialAuth["type"];

/** The secret half, per auth type. Encrypted as one JSON document per credential. */
export interface CredentialSecrets {
  static_bearer: { token: string };
  mcp_oauth: { access_token: string; refresh_token?: string; client_secret?: string };
  environment_variable: { secret_value: string };
}

/** A credential's public and secret halves, paired by type so either narrows the other. */
export type CredentialParts = {
  [T in CredentialType]: { type: T; auth: Of<CredentialAuth, T>; secrets: CredentialSecrets[T] };
}[CredentialType];

/** Splits a validated create body into what is stored in clear and what is encrypted. */
export function splitAuth(a: CreateAuth): CredentialParts {
  switch (a.type) {
    case "static_bearer":
      return { type: a.type, auth: publicAuth.static_bearer(a), secrets: { token: a.token } };
    case "mcp_oauth": {
      const secrets: CredentialSecrets["mcp_oauth"] = { access_token: a.access_token };
      if (a.refresh) secrets.refresh_token = a.refresh.refresh_token;
      if (a.refresh && a.refresh.token_endpoint_auth.type !== "none") {
        secrets.client_secret = a.refresh.token_endpoint_auth.client_secret;
      }
      return { type: a.type, auth: publicAuth.mcp_oauth(a), secrets };
    }
    case "environment_variable":
      return { type: a.type, auth: publicAuth.environment_variable(a), secrets: { secret_value: a.secret_value } };
  }
}

/** What an update does: the new public auth and, if any secret changes, how to rewrite them. */
export interface AuthChange {
  auth: CredentialAuth;
  rewriteSecrets?: (current: any) => object;
}

/**
 * Applies an update body to a credential's auth. Omitted (or null) secrets keep their stored
 * value; `refresh: null` drops the refresh configuration and its secrets.
 */
export function applyAuthUpdate(current: CredentialAuth, patch: UpdateAuth): AuthChange {
  if (patch.type !== current.type) {
    throw badRequest(`auth.type: must be "${current.type}", the credential's type, which cannot change`);
  }
  switch (patch.type) {
    case "static_bearer": {
      const token = patch.token;
      return { auth: current, rewriteSecrets: token ? (s: CredentialSecrets["static_bearer"]) => ({ ...s, token }) : undefined };
    }
    case "environment_variable": {
      const cur = current as Of<CredentialAuth, "environment_variable">;
      const value = patch.secret_value;
      return {
        auth: {
          ...cur,
          networking: patch.networking ?? cur.networking,
          injection_location: injection({ ...cur.injection_location, ...patch.injection_location }),
        },
        rewriteSecrets: value ? (s: CredentialSecrets["environment_variable"]) => ({ ...s, secret_value: value }) : undefined,
      };
    }
    case "mcp_oauth":
      return applyOAuthUpdate(current as Of<CredentialAuth, "mcp_oauth">, patch);
  }
}

function applyOAuthUpdate(cur: Of<CredentialAuth, "mcp_oauth">, patch: Of<UpdateAuth, "mcp_oauth">): AuthChange {
  type Secrets = CredentialSecrets["mcp_oauth"];
  const edits: Array<(s: Secrets) => Secrets> = [];
  const accessToken = patch.access_token;
  if (accessToken) edits.push((s) => ({ ...s, access_token: accessToken }));

  let refresh = cur.refresh;
  if (patch.refresh === null) {
    refresh = null;
    edits.push(({ refresh_token: _r, client_secret: _c, ...s }) => s);
  } else if (patch.refresh) {
    if (!refresh) {
      throw badRequest(
        "auth.refresh: this credential has no refresh configuration; client_id and token_endpoint are set at creation, so create a new credential",
      );
    }
    const { refresh_token, scope, token_endpoint_auth } = patch.refresh;
    if (typeof scope === "string") refresh = { ...refresh, scope: scope === "" ? null : scope };
    if (refresh_token) edits.push((s) => ({ ...s, refresh_token }));
    if (token_endpoint_auth) {
      if (refresh.token_endpoint_auth.type === "none") {
        throw badRequest(
          "auth.refresh.token_endpoint_auth: the credential authenticates to its token endpoint with none; only a client_secret_basic or client_secret_post credential has a client secret to replace",
        );
      }
      const clientSecret = token_endpoint_auth.client_secret;
      if (clientSecret) edits.push((s) => ({ ...s, client_secret: clientSecret }));
    }
  }

  return {
    auth: { ...cur, expires_at: patch.expires_at === undefined ? cur.expires_at : patch.expires_at, refresh },
    rewriteSecrets: edits.length ? (s: Secrets) => edits.reduce((acc, edit) => edit(acc), s) : undefined,
  };
}

/** The identity a credential is matched on, stored in plain columns for lookups and uniqueness. */
export function credentialIdentity(auth: CredentialAuth) {
  return auth.type === "environment_variable"
    ? { mcpServerUrl: null, secretName: auth.secret_name }
    : { mcpServerUrl: auth.mcp_server_url, secretName: null };
}
