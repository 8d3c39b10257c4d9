import type { Env } from "../../src/env";
import type { WebhookEndpointRow } from "../../src/db/schema";
import { guardedFetch, outboundPolicy } from "../../src/lib/outbound-guard";
import { vaultSecretBox } from "../../src/lib/secret-box";
import { openSigningSecret } from "../../src/webhooks/endpoints";
import { ATTEMPT_TIMEOUT_MS } from "../../src/webhooks/retry";
import { signedHeaders } from "../../src/webhooks/signing";

/** How one attempt went: the endpoint's HTTP status if it answered, and why the attempt failed (null: it succeeded). */
export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
}

/**
 * One delivery attempt: the event's payload POSTed to the endpoint, signed with its current secret. Only a 2xx
 * answer within ATTEMPT_TIMEOUT_MS succeeds; whether and when to try again is the outbox's to decide.
 */
export async function postSignedEvent(
  env: Env,
  endpoint: WebhookEndpointRow,
  event: { id: string; payload: string },
  now: number,
): Promise<AttemptResult> {
  let statusCode: number | null = null;
  try {
    const secret = await openSigningSecret(vaultSecretBox(env), endpoint);
    const headers = await signedHeaders(secret, event.id, Math.floor(now / 1000), event.payload);
    // The outbound guard (no loopback, private, metadata or own-host targets) holds at delivery time too.
    const response = await guardedFetch(
      endpoint.url,
      {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "managed-agents-webhooks/1", ...headers },
        body: event.payload,
        // A redirect is a failure: deliveries go to the registered URL only.
        redirect: "manual",
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      },
      outboundPolicy(env),
    );
    statusCode = response.status;
    await response.body?.cancel();
    return { statusCode, error: statusCode < 200 || statusCode > 299 ? `endpoint answered HTTP ${statusCode}` : null };
  } catch (err) {
    // A failure after the endpoint answered (reading off its body) still reports the status it gave.
    return { statusCode, error: describeError(err) };
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `no response within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  }
  return `request failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
}
