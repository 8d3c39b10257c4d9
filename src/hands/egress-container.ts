import type { Env } from "../env";
import { loadEgressSecrets, scrubResponse, substituteSecrets, type EgressSecret } from "./egress-secrets";

/**
 * Secret substitution for the container backend, at the egress the project controls: `@cloudflare/containers`'
 * outbound interception. Every HTTP(S) request the container makes leaves through the Worker, which runs the
 * handler named here (registered by the `Sandbox` class, containers/sandbox-object.ts). Its params name only the
 * session: the secrets are read from the vault on every request, so they never sit in the container or in its
 * Durable Object's storage, and a rotated or deleted credential takes effect on the next request.
 */
export const SECRET_EGRESS_HANDLER = "substituteSecrets";

export interface SecretEgressParams {
  workspaceId: string;
  sessionId: string;
}

/** The request as it should leave: placeholders replaced for the hosts each secret names, nothing else changed. */
export async function rewriteOutbound(req: Request, secrets: EgressSecret[]): Promise<Request> {
  const hasBody = req.body && req.method !== "GET" && req.method !== "HEAD";
  const bytes = hasBody ? await req.arrayBuffer() : undefined;
  const text = bytes && secrets.some((s) => s.body) ? new TextDecoder().decode(bytes) : undefined;
  const out = substituteSecrets(secrets, req.url, { headers: Object.fromEntries(req.headers), body: text });
  // A body nothing was substituted into leaves byte for byte (a binary upload must not go through text).
  const body = text !== undefined && out.body !== text ? out.body : bytes;
  return new Request(req.url, { method: req.method, headers: out.headers, body, redirect: "manual" });
}

/**
 * The outbound handler: resolve the session's secrets now, rewrite, send, and scrub the response, so a host
 * that echoes what it was sent cannot hand a secret back into the container.
 */
export async function secretEgressHandler(req: Request, env: Env, ctx: { params?: unknown }): Promise<Response> {
  const scope = ctx.params as SecretEgressParams | undefined;
  const secrets = scope ? await loadEgressSecrets(env, scope.workspaceId, scope.sessionId) : [];
  const response = await fetch(await rewriteOutbound(req, secrets));
  return scrubResponse(secrets, response);
}
