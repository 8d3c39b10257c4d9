const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

let lastMs = 0;
let lastRandom: number[] = [];

/**
 * A prefixed id whose text sorts in creation order (like a ULID, base62): 8 chars of
 * milliseconds then 14 random chars, incremented within the same millisecond so ids
 * minted by one isolate are strictly increasing. Lists paginate on id alone because of this.
 */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now <= lastMs && lastRandom.length) {
    increment(lastRandom);
  } else {
    lastMs = now;
    lastRandom = Array.from(crypto.getRandomValues(new Uint8Array(14)), (b) => b % 62);
  }
  let time = "";
  for (let t = lastMs, i = 0; i < 8; i++, t = Math.floor(t / 62)) time = ALPHABET[t % 62] + time;
  return `${prefix}_${time}${lastRandom.map((d) => ALPHABET[d]).join("")}`;
}

function increment(digits: number[]) {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i] < 61) {
      digits[i]++;
      return;
    }
    digits[i] = 0;
  }
}

/** A secret token: prefix + 32 random bytes in base62-ish (url safe). */
export function newSecret(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `${prefix}${Array.from(bytes, (b) => ALPHABET[b % 62]).join("")}`;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
