import { Sandbox as SandboxBase } from "@cloudflare/sandbox";
import type { Env } from "../../env";
import { SECRET_EGRESS_HANDLER, secretEgressHandler, type SecretEgressParams } from "../egress-container";

/** A session's egress, applied to its container before the container starts (see `applyEgressPolicy`). */
export interface ContainerEgressPolicy {
  /** False for `limited` networking: nothing leaves but HTTP(S) to `allowedHosts`, through the Worker. */
  internet: boolean;
  /** The allow list for `limited` networking; null for `unrestricted`. */
  allowedHosts: string[] | null;
  /** Whose vault credentials the egress substitutes (resolved per request); null when the session has none. */
  secrets: SecretEgressParams | null;
}

const POLICY_KEY = "managed-agents:egress-policy";

/**
 * The deployment's container Durable Object (`[[containers]] class_name = "Sandbox"`): `@cloudflare/sandbox`'s
 * Sandbox, plus the session's egress policy.
 *
 * - HTTPS is intercepted like HTTP, so the allow list and secret substitution see it; the container server
 *   trusts the Containers CA because `interceptHttps` makes the SDK start it with SANDBOX_INTERCEPT_HTTPS=1.
 * - `enableInternet` is a start option of the container, so the policy is stored and applied in the constructor,
 *   before anything can start the container; a running container started under another policy is stopped.
 */
export class Sandbox extends SandboxBase<Env> {
  override interceptHttps = true;

  // `@cloudflare/containers` reads handlers from a registry its inherited static *setter* fills, keyed by class
  // name; a `static outboundHandlers = ...` field would define an own property and never reach the registry.
  static {
    this.outboundHandlers = { [SECRET_EGRESS_HANDLER]: secretEgressHandler };
  }

  constructor(ctx: DurableObjectState<{}>, env: Env) {
    super(ctx, env);
    const policy = ctx.storage.kv.get<ContainerEgressPolicy>(POLICY_KEY);
    if (policy) this.enableInternet = policy.internet;
  }

  /** Idempotent; call before the first operation that may start the container. */
  async applyEgressPolicy(policy: ContainerEgressPolicy): Promise<void> {
    const previous = this.ctx.storage.kv.get<ContainerEgressPolicy>(POLICY_KEY);
    this.ctx.storage.kv.put(POLICY_KEY, policy);
    const internetChanged = (previous?.internet ?? true) !== policy.internet;
    this.enableInternet = policy.internet;
    if (internetChanged && this.ctx.container?.running) await this.destroy();
    if (policy.allowedHosts) await this.setAllowedHosts(policy.allowedHosts);
    if (policy.secrets) await this.setOutboundHandler(SECRET_EGRESS_HANDLER, policy.secrets);
  }
}
