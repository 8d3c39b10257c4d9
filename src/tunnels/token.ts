import { ApiError } from "../lib/errors";

/**
 * Connector tokens are derived, never stored: HMAC-SHA256 over the tunnel id and its current token id, keyed by a
 * key derived (HKDF) from VAULT_ENCRYPTION_KEY. Revealing recomputes the same value until a rotation changes the
 * token id; a token names its tunnel, so a connector's first message needs no lookup by secret.
 *
 * Form: `tnltok_<tunnel id>.<token id>.<mac>` (base64url MAC).
 */
const PREFIX = "tnltok_";

const keys = new Map<string, Promise<CryptoKey>>();

function tokenKey(env: { VAULT_ENCRYPTION_KEY?: string }): Promise<CryptoKey> {
  const secret = env.VAULT_ENCRYPTION_KEY;
  if (!secret) {
    throw new ApiError("api_error", "VAULT_ENCRYPTION_KEY is not configured, so tunnel tokens cannot be issued or checked.");
  }
  let key = keys.get(secret);
  if (!key) {
    key = (async () => {
      const raw = await crypto.subtle.importKey("raw", Uint8Array.from(atob(secret), (c) => c.charCodeAt(0)), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: new TextEncoder().encode("managed-agents tunnel token v1") },
        raw,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign", "verify"],
      );
    })();
    keys.set(secret, key);
  }
  return key;
}

const base64url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export async function tunnelToken(env: { VAULT_ENCRYPTION_KEY?: string }, tunnelId: string, tokenId: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await tokenKey(env), new TextEncoder().encode(`${tunnelId}:${tokenId}`));
  return `${PREFIX}${tunnelId}.${tokenId}.${base64url(mac)}`;
}

/** The tunnel and token id a presented token claims, if its MAC is genuine (the caller checks the id is current). */
export async function verifyTunnelToken(
  env: { VAULT_ENCRYPTION_KEY?: string },
  token: string,
): Promise<{ tunnelId: string; tokenId: string } | undefined> {
  if (!token.startsWith(PREFIX)) return undefined;
  const [tunnelId, tokenId, mac] = token.slice(PREFIX.length).split(".");
  if (!tunnelId || !tokenId || !mac) return undefined;
  let signature: Uint8Array;
  try {
    signature = Uint8Array.from(atob(mac.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
  const ok = await crypto.subtle.verify("HMAC", await tokenKey(env), signature, new TextEncoder().encode(`${tunnelId}:${tokenId}`));
  return ok ? { tunnelId, tokenId } : undefined;
}
