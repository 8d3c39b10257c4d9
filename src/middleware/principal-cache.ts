import type { Principal } from "./auth";

/**
 * How long an isolate trusts a workspace API key or environment key it has already looked up in D1. This is the
 * revocation bound: a revoked key stops working at once in the isolate that served the revoke route (it forgets the
 * key there) and within this long everywhere else. Sessions tokens are never cached: they are revoked by the work
 * queue and expire on their own.
 */
export const PRINCIPAL_CACHE_TTL_MS = 10_000;
/** Entries an isolate keeps; past it the oldest go first (a Map iterates in insertion order). */
const MAX_ENTRIES = 1_000;

type Cacheable = Extract<Principal, { kind: "api_key" | "environment_key" }>;

/**
 * The isolate's memory of key hash → principal, so that the hot path (every send and stream open) authenticates
 * without a D1 round trip. Keyed by the SHA-256 of the key, never the key itself.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, { principal: Cacheable; until: number }>();

  constructor(
    private readonly ttlMs = PRINCIPAL_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get(hash: string): Cacheable | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.principal;
    this.entries.delete(hash);
    return undefined;
  }

  set(hash: string, principal: Principal) {
    if (principal.kind !== "api_key" && principal.kind !== "environment_key") return;
    this.entries.delete(hash);
    this.entries.set(hash, { principal, until: this.now() + this.ttlMs });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  /** A key was revoked: this isolate stops trusting it now (the others within the TTL). */
  forget(keyId: string) {
    for (const [hash, { principal }] of this.entries) {
      if ((principal.kind === "api_key" ? principal.apiKeyId : principal.keyId) === keyId) this.entries.delete(hash);
    }
  }
}

export const principalCache = new PrincipalCache();
