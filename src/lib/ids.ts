const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

let lastMs = 0;
let lastTime = "";
const lastRandom = new Uint8Array(14);

/**
 * A prefixed id whose text sorts in creation order (like a ULID, base62): 8 chars of
 * milliseconds then 14 random chars, incremented within the same millisecond so ids
 * minted by one isolate are strictly increasing. Lists paginate on id alone because of this.
 * (The time part is encoded once per millisecond and the random part built by concatenation:
 * this runs several times per turn.)
 */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now <= lastMs && lastTime) {
    increment(lastRandom);
  } else {
    lastMs = now;
    crypto.getRandomValues(lastRandom);
    for (let i = 0; i < lastRandom.length; i++) lastRandom[i] %= 62;
    lastTime = idTimePart(now);
  }
  let id = `${prefix}_${lastTime}`;
  for (let i = 0; i < lastRandom.length; i++) id += ALPHABET[lastRandom[i]];
  return id;
}

/** The 8-character time part `newId` gives ids minted in millisecond `ms`: ids of that millisecond start with it. */
export function idTimePart(ms: number): string {
  let part = "";
  for (let t = ms, i = 0; i < 8; i++, t = Math.floor(t / 62)) part = ALPHABET[t % 62] + part;
  return part;
}

/** Base62 digits as a number (the time part of an id, or a slice of its random part). */
export function base62Value(digits: string): number {
  let value = 0;
  for (const ch of digits) value = value * 62 + ALPHABET.indexOf(ch);
  return value;
}

function increment(digits: Uint8Array) {
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
