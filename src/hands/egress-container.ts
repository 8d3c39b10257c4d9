import { substituteSecrets, type EgressSecret } from "./egress-secrets";

/**
 * Secret substitution for the container backend, at the egress the project controls: `@cloudflare/containers`'
 * outbound interception. Every request the container makes leaves through its Container Durable Object, which
 * runs the handler named here with the session's secrets as params: they live in the Worker, never in the
 * container, whose env vars hold only the placeholders.
 *
 * Deploying with containers (see wrangler.toml): export a subclass that registers the handler, e.g.
 *
 *   export class Sandbox extends BaseSandbox {
 *     static outboundHandlers = { [SECRET_EGRESS_HANDLER]: secretEgressHandler };
 *   }
 */
export const SECRET_EGRESS_HANDLER = "substituteSecrets";

export interface SecretEgressParams {
  secrets: EgressSecret[];
}

/** The request as it should leave: placeholders replaced for the hosts each secret names, nothing else changed. */
export async function rewriteOutbound(req: Request, secrets: EgressSecret[]): Promise<Request> {
  const body = req.body && req.method !== "GET" && req.method !== "HEAD" ? new TextDecoder().decode(await req.arrayBuffer()) : undefined;
  const out = substituteSecrets(secrets, req.url, { headers: Object.fromEntries(req.headers), body });
  return new Request(req.url, { method: req.method, headers: out.headers, body: out.body, redirect: "manual" });
}

/** The outbound handler (`static outboundHandlers`): rewrite, then send. */
export async function secretEgressHandler(req: Request, _env: unknown, ctx: { params?: SecretEgressParams }): Promise<Response> {
  return fetch(await rewriteOutbound(req, ctx.params?.secrets ?? []));
}
