/**
 * Standard Webhooks signing (https://www.standardwebhooks.com), the scheme the SDK's
 * `client.beta.webhooks.unwrap()` verifies: HMAC-SHA256 over `${id}.${timestamp}.${body}`,
 * keyed by the base64 bytes after the secret's `whsec_` prefix, sent as `v1,<base64>`.
 */

const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;

/** A new signing secret, `whsec_` + base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The three headers a delivery carries. `id` stays the same across retries of one event. */
export async function signedHeaders(secret: string, id: string, timestampSeconds: number, body: string) {
  const key = await crypto.subtle.importKey("raw", secretBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestampSeconds}.${body}`));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": `v1,${toBase64(new Uint8Array(mac))}`,
  };
}

function secretBytes(secret: string): Uint8Array {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}
