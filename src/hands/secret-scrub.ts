import { bytesToBase64 } from "../lib/base64";
import { concat } from "../lib/zip";

/**
 * Scrubbing vault secrets out of what comes back from the egress. A host the secret was sent to may reflect
 * it (an echo endpoint, a debug page, an error that quotes the request); whatever it returns goes into tool
 * output, sandbox files (and so snapshots), the event log and the model's context. So every response entering
 * a sandbox has each secret's value replaced by its placeholder, in the forms a reflecting host plausibly
 * returns it in:
 *
 * - raw UTF-8 bytes;
 * - base64 and base64url, padded or not, and also embedded at any of the three byte alignments inside a
 *   longer encoded value (`Authorization: Basic base64(user:secret)` echoed back): the characters that depend
 *   only on the secret's bytes are matched (at least 8 of them, so a short secret cannot match by chance);
 * - percent-encoding (`encodeURIComponent`, lower-case hex digits, and form encoding with `+` for spaces);
 * - hex (lower and upper case);
 * - a JSON string's escaping (`\"`, `\\`, `\/`, `\uXXXX` for non-ASCII), as echo services serialise it.
 *
 * Not covered (documented in src/hands/README.md): other transformations a host could apply on purpose
 * (reversing, encrypting, splitting, compressing — responses are scanned as received, so a compressed body
 * that was not decoded by fetch is scanned compressed). Values shorter than 4 bytes are not scrubbed: they
 * would match everywhere. Bodies are scrubbed as a stream with a carry of one form's length less one byte
 * between chunks, so a form split across chunks is still found and memory stays bounded by the chunk size.
 */

export interface ScrubbedSecret {
  value: string;
  /** What each form of `value` is replaced with. */
  placeholder: string;
}

const MIN_EXACT = 4;
const MIN_EMBEDDED = 8;
const encoder = new TextEncoder();

interface Pattern {
  bytes: Uint8Array;
  replacement: Uint8Array;
}

const toBase64 = bytesToBase64;
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Where `pattern` next occurs in `haystack` at or after `from`, or -1 (native first-byte scan, then compare). */
function indexOf(haystack: Uint8Array, pattern: Uint8Array, from: number): number {
  const last = haystack.length - pattern.length;
  for (let i = haystack.indexOf(pattern[0], from); i !== -1 && i <= last; i = haystack.indexOf(pattern[0], i + 1)) {
    let j = 1;
    while (j < pattern.length && haystack[i + j] === pattern[j]) j++;
    if (j === pattern.length) return i;
  }
  return -1;
}
const toUrlSafe = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_");

/** Every form of one secret's value that is scrubbed (see the file comment). */
export function secretForms(value: string): string[] {
  const bytes = encoder.encode(value);
  const forms = new Set<string>();
  const exact = (form: string) => form.length >= MIN_EXACT && forms.add(form);
  exact(value);
  const b64 = toBase64(bytes);
  for (const f of [b64, b64.replace(/=+$/, "")]) {
    exact(f);
    exact(toUrlSafe(f));
  }
  // The characters of base64(prefix + value + suffix) that depend on nothing but `value`, for each alignment.
  for (let k = 0; k < 3; k++) {
    const encoded = toBase64(Uint8Array.from([...new Uint8Array(k), ...bytes]));
    const middle = encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (middle.length >= MIN_EMBEDDED) {
      forms.add(middle);
      forms.add(toUrlSafe(middle));
    }
  }
  const percent = encodeURIComponent(value);
  exact(percent);
  exact(percent.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  exact(new URLSearchParams({ v: value }).toString().slice(2));
  const hex = toHex(bytes);
  exact(hex);
  exact(hex.toUpperCase());
  const json = JSON.stringify(value).slice(1, -1);
  exact(json);
  exact(json.replace(/\//g, "\\/"));
  exact(json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
  return [...forms];
}

/** The byte patterns for a set of secrets, longest first (a longer form wins over a shorter one at the same place). */
function patternsFor(secrets: ScrubbedSecret[]): Pattern[] {
  const patterns: Pattern[] = [];
  for (const s of secrets) {
    const replacement = encoder.encode(s.placeholder);
    for (const form of secretForms(s.value)) patterns.push({ bytes: encoder.encode(form), replacement });
  }
  return patterns.sort((a, b) => b.bytes.length - a.bytes.length);
}

/**
 * A streaming scanner: `push` returns what is safe to emit so far (everything but a tail that could be the
 * start of a form), `end` the rest. Output never contains a form of a secret, wherever chunks were cut.
 */
export class SecretScanner {
  private readonly patterns: Pattern[];
  private readonly keep: number;
  private carry = new Uint8Array(0);

  constructor(secrets: ScrubbedSecret[]) {
    this.patterns = patternsFor(secrets);
    this.keep = Math.max(0, ...this.patterns.map((p) => p.bytes.length)) - 1;
  }

  push(chunk: Uint8Array): Uint8Array {
    const buffer = this.carry.length ? concat([this.carry, chunk]) : chunk;
    const { out, consumed } = this.replace(buffer, false);
    this.carry = buffer.slice(consumed);
    return out;
  }

  end(): Uint8Array {
    const { out } = this.replace(this.carry, true);
    this.carry = new Uint8Array(0);
    return out;
  }

  /**
   * Replaces every form found, leftmost first. Unless `final`, stops short of the last `keep` bytes (a form
   * may continue in the next chunk) and reports how far it got.
   */
  private replace(buffer: Uint8Array, final: boolean): { out: Uint8Array; consumed: number } {
    const parts: Uint8Array[] = [];
    const safeEnd = final ? buffer.length : Math.max(0, buffer.length - this.keep);
    let position = 0;
    const next = this.patterns.map((p) => indexOf(buffer, p.bytes, 0));
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.patterns.length; i++) {
        if (next[i] !== -1 && next[i] < position) next[i] = indexOf(buffer, this.patterns[i].bytes, position);
        if (next[i] !== -1 && (best === -1 || next[i] < next[best])) best = i;
      }
      // A match starting in the kept tail waits for the next chunk: a longer form may start at the same place.
      if (best === -1 || (!final && next[best] >= safeEnd)) break;
      parts.push(buffer.subarray(position, next[best]), this.patterns[best].replacement);
      position = next[best] + this.patterns[best].bytes.length;
    }
    const consumed = Math.max(position, safeEnd);
    parts.push(buffer.subarray(position, consumed));
    return { out: concat(parts), consumed };
  }
}

/** Text with every form of every secret replaced by its placeholder. */
export function scrubText(secrets: ScrubbedSecret[], text: string): string {
  const scanner = new SecretScanner(secrets);
  const head = scanner.push(encoder.encode(text));
  return new TextDecoder().decode(concat([head, scanner.end()]));
}

/** A byte stream scrubbed as it flows, chunk by chunk. */
export function scrubStream(secrets: ScrubbedSecret[], body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const scanner = new SecretScanner(secrets);
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const out = scanner.push(chunk);
        if (out.byteLength) controller.enqueue(out);
      },
      flush(controller) {
        const out = scanner.end();
        if (out.byteLength) controller.enqueue(out);
      },
    }),
  );
}
