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
 *   trusts the Containers CA (SANDBOX_INTERCEPT_HTTPS=1: it adds the CA to the system bundle and points
 *   NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and GIT_SSL_CAINFO at it).
 * - `enableInternet` and `interceptHttps` are start options of the container, so the policy is stored and read
 *   in the constructor, before anything can start the container; one started under another policy is stopped.
 */
export class Sandbox extends SandboxBase<Env> {
  // `@cloudflare/containers` reads handlers from a registry its inherited static *setter* fills, keyed by class
  // name; a `static outboundHandlers = ...` field would define an own property and never reach the registry.
  static {
    this.outboundHandlers = { [SECRET_EGRESS_HANDLER]: secretEgressHandler };
  }

  constructor(ctx: DurableObjectState<{}>, env: Env) {
    super(ctx, env);
    this.useStartOptions(ctx.storage.kv.get<ContainerEgressPolicy>(POLICY_KEY));
  }

  /** Idempotent; call before the first operation that may start the container. */
  async applyEgressPolicy(policy: ContainerEgressPolicy): Promise<void> {
    this.ctx.storage.kv.put(POLICY_KEY, policy);
    const before = [this.enableInternet, this.interceptHttps];
    this.useStartOptions(policy);
    const changed = before[0] !== this.enableInternet || before[1] !== this.interceptHttps;
    if (changed && this.ctx.container?.running) await this.destroy();
    if (policy.allowedHosts) await this.setAllowedHosts(policy.allowedHosts);
    if (policy.secrets) await this.setOutboundHandler(SECRET_EGRESS_HANDLER, policy.secrets);
  }

  /**
   * HTTPS is intercepted exactly when HTTP is (an allow list or secrets): workerd copies the Containers CA into
   * the container only then, and a container server told to trust it (SANDBOX_INTERCEPT_HTTPS) refuses to
   * start without it. The SDK reads `interceptHttps` into envVars once, in its constructor; later changes are
   * mirrored here.
   */
  private useStartOptions(policy: ContainerEgressPolicy | undefined) {
    this.enableInternet = policy?.internet ?? true;
    this.interceptHttps = Boolean(policy && (!policy.internet || policy.secrets));
    const { SANDBOX_INTERCEPT_HTTPS: _, ...envVars } = this.envVars;
    this.envVars = this.interceptHttps ? { ...envVars, SANDBOX_INTERCEPT_HTTPS: "1" } : envVars;
  }
}
