import { NetworkAccessDeniedError } from "just-bash/browser";
import type { BashOptions } from "just-bash/browser";
import type { NetworkPolicy } from "../../src/hands/environment";
import { isEgressAllowed } from "../../src/hands/network-policy";
import { scrubResponse, scrubSecretText, substituteSecrets, type EgressSecret } from "../../src/hands/egress-secrets";
import { outboundRefusal, type OutboundPolicy } from "../../src/lib/outbound-guard";

type SecureFetch = NonNullable<BashOptions["fetch"]>;

const MAX_REDIRECTS = 10;

/**
 * curl and friends inside just-bash go through this. Every URL, and every redirect hop, must pass the outbound
 * guard (no loopback, private, metadata or own-host targets) and the environment's egress policy (the same
 * decision the container backend applies at its egress). Placeholders become secrets on the way out, for the
 * hosts each credential names; on the way back every form of every secret becomes its placeholder again, so
 * a host that echoes the request cannot put a secret into the sandbox.
 */
export function policyFetch(policy: NetworkPolicy, secrets: EgressSecret[], outbound: OutboundPolicy): SecureFetch {
  return async (url, options = {}) => {
    let current = url;
    const headers = options.headers instanceof Headers ? Object.fromEntries(options.headers) : options.headers;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const refused = outboundRefusal(current, outbound);
      if (refused) throw new NetworkAccessDeniedError(scrubSecretText(secrets, current), refused);
      if (!isEgressAllowed(policy, current)) {
        throw new NetworkAccessDeniedError(scrubSecretText(secrets, current), "blocked by the environment's network policy");
      }
      // Per hop: a redirect to a host the credential does not name gets the placeholder, not the secret.
      const request = substituteSecrets(secrets, current, { headers, body: options.body });
      const response = await scrubResponse(
        secrets,
        await fetch(current, {
          method: options.method ?? "GET",
          headers: request.headers,
          body: request.body,
          redirect: "manual",
          signal: options.signal ?? AbortSignal.timeout(options.timeoutMs ?? 30_000),
        }),
      );
      const location = response.headers.get("location");
      if (options.followRedirects !== false && response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        // From the scrubbed headers: a location that quoted a secret names its placeholder, so no hop carries it on.
        current = new URL(location, current).toString();
        continue;
      }
      return {
        status: response.status,
        statusText: response.statusText,
        headers: Object.fromEntries(response.headers),
        body: new Uint8Array(await response.arrayBuffer()),
        url: scrubSecretText(secrets, current),
      };
    }
    throw new Error("too many redirects");
  };
}
