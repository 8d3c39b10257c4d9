import { ApiError } from "./errors";

/**
 * Authenticated encryption for secrets at rest (AES-256-GCM, WebCrypto).
 *
 * Envelope: `v1.<key id>.<iv>.<ciphertext+tag>` (base64url parts). The key id is a short
 * hash of the key, so a rotation can keep old keys around for `open` while `seal` uses
 * the newest: pass `[newKey, oldKey]` to `secretBox`, then re-seal rows at leisure.
 *
 * The associated data names the version, key id, workspace and row, so a ciphertext
 * copied into another row (or another tenant's row) fails authentication instead of
 * decrypting there.
 */
export interface SecretBox {
  seal(plaintext: string, binding: SecretBinding): Promise<string>;
  open(envelope: string, binding: SecretBinding): Promise<string>;
}

/** What a ciphertext is bound to: the row it was written for. */
export interface SecretBinding {
  workspaceId: string;
  recordId: string;
}

const VERSION = "v1";
const IV_BYTES = 12;
const KEY_BYTES = 32;

interface LoadedKey {
  id: string;
  key: CryptoKey;
}

const loaded = new Map<string, Promise<LoadedKey>>();

/** The vault's box, keyed by the VAULT_ENCRYPTION_KEY secret. Throws a 500 api_error if it is unusable. */
export function vaultSecretBox(env: { VAULT_ENCRYPTION_KEY?: string }): SecretBox {
  if (!env.VAULT_ENCRYPTION_KEY) {
    throw new ApiError(
      "api_error",
      "VAULT_ENCRYPTION_KEY is not configured, so credential secrets cannot be encrypted and nothing was stored. " +
        "Set it to base64 of 32 random bytes (wrangler secret put VAULT_ENCRYPTION_KEY).",
    );
  }
  return secretBox([env.VAULT_ENCRYPTION_KEY]);
}

/** A box over one or more base64 keys: the first seals, any of them opens. */
export function secretBox(base64Keys: string[]): SecretBox {
  // Loaded on first use: a rejected promise nobody awaits yet would surface as unhandled.
  let loading: Promise<LoadedKey[]> | undefined;
  const keys = () => (loading ??= Promise.all(base64Keys.map(loadKey)));
  return {
    async seal(plaintext, binding) {
      const [current] = await keys();
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const ciphertext = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: aad(current.id, binding) },
        current.key,
        new TextEncoder().encode(plaintext),
      );
      return [VERSION, current.id, b64url(iv), b64url(new Uint8Array(ciphertext))].join(".");
    },
    async open(envelope, binding) {
      const [version, keyId, iv, ciphertext, ...rest] = envelope.split(".");
      if (version !== VERSION || !keyId || !iv || !ciphertext || rest.length) {
        throw new Error("secret-box: unrecognised envelope");
      }
      const match = (await keys()).find((k) => k.id === keyId);
      if (!match) throw new Error(`secret-box: no key with id ${keyId} is configured`);
      try {
        const plaintext = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: fromB64url(iv), additionalData: aad(keyId, binding) },
          match.key,
          fromB64url(ciphertext),
        );
        return new TextDecoder().decode(plaintext);
      } catch {
        // Wrong key, tampered bytes or a ciphertext moved from another row: all look the same.
        throw new Error("secret-box: ciphertext failed authentication");
      }
    },
  };
}

function loadKey(base64: string): Promise<LoadedKey> {
  let key = loaded.get(base64);
  if (!key) {
    key = importKey(base64);
    loaded.set(base64, key);
    // A bad key must not stay cached as a rejected promise forever (e.g. after a fix-up deploy).
    key.catch(() => loaded.delete(base64));
  }
  return key;
}

async function importKey(base64: string): Promise<LoadedKey> {
  let raw: Uint8Array;
  try {
    raw = Uint8Array.from(atob(base64.trim()), (c) => c.charCodeAt(0));
  } catch {
    raw = new Uint8Array();
  }
  if (raw.length !== KEY_BYTES) {
    throw new ApiError("api_error", "VAULT_ENCRYPTION_KEY must be base64 of exactly 32 bytes (AES-256).");
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  return { id: b64url(digest.slice(0, 6)), key };
}

function aad(keyId: string, binding: SecretBinding): Uint8Array {
  return new TextEncoder().encode(`${VERSION}|${keyId}|${binding.workspaceId}|${binding.recordId}`);
}

function b64url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(text: string): Uint8Array {
  return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
}
