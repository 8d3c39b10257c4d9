import { ApiError, badRequest } from "./errors";
import { concat } from "./zip";

/**
 * A streaming multipart/form-data reader. `Request.formData()` buffers the whole body, which a
 * 128 MB isolate cannot do for a 500 MB upload; this yields each part as it arrives so a file
 * can be piped to R2 in fixed-size pieces, and it counts bytes so an oversized body fails fast
 * even when it came without a content-length.
 */

export interface Part {
  /** The form field name (`file`, `files[]`, `display_name`...). */
  name: string;
  /** Set (possibly to "") when the part is a file; undefined for a plain field. */
  filename?: string;
  contentType?: string;
  /** The part's bytes. Read it before asking for the next part, or it is skipped. */
  body: AsyncIterable<Uint8Array>;
}

/** The boundary of a multipart/form-data content-type, or a 400 explaining what is wrong. */
export function multipartBoundary(contentType: string | undefined): string {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) {
    throw badRequest(`content-type must be multipart/form-data, got "${contentType ?? ""}"`);
  }
  const match = contentType.match(/;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || boundary.length > 70) throw badRequest("content-type: multipart boundary is missing or invalid");
  return boundary;
}

/** Refuses a body whose declared length is over `maxBytes` before reading any of it. */
export function checkContentLength(header: string | undefined, maxBytes: number) {
  const length = Number(header ?? "0");
  if (length > maxBytes) throw tooLarge(maxBytes);
}

export const tooLarge = (maxBytes: number) =>
  new ApiError("request_too_large", `upload exceeds the limit of ${maxBytes} bytes`);

const DEFAULT_UPLOAD_BYTES = 500 * 1024 * 1024;

/** MAX_UPLOAD_BYTES as a number; a missing or unparsable value falls back to 500 MiB. */
export function uploadLimit(value: string | undefined): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_UPLOAD_BYTES;
}

/** Room for the form around the file(s): boundaries, part headers, small text fields. */
export const FORM_OVERHEAD_BYTES = 1024 * 1024;

/** A text field's value, refusing one longer than `maxBytes`. */
export async function partText(part: Part, maxBytes = 64 * 1024): Promise<string> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of part.body) {
    length += chunk.length;
    if (length > maxBytes) throw badRequest(`${part.name}: value is too long`);
    chunks.push(chunk);
  }
  return new TextDecoder().decode(concat(chunks));
}

/** A file part's bytes, refusing more than `maxBytes` in it. */
export async function partBytes(part: Part, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of part.body) {
    length += chunk.length;
    if (length > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return concat(chunks);
}

const MAX_HEADER_BYTES = 16 * 1024;
const encoder = new TextEncoder();
const CRLF = encoder.encode("\r\n");
const DASHES = encoder.encode("--");
const HEADER_END = encoder.encode("\r\n\r\n");

export async function* parseMultipart(
  stream: ReadableStream<Uint8Array>,
  boundary: string,
  maxBytes: number,
): AsyncGenerator<Part> {
  const input = new ByteReader(stream, maxBytes);
  const delimiter = encoder.encode(`\r\n--${boundary}`);

  // The first delimiter has no leading CRLF; pretend it does so one search handles both.
  input.unshift(CRLF);
  if (!(await input.skipPast(delimiter))) throw badRequest("multipart body has no parts");

  while (true) {
    const after = await input.take(2);
    if (equal(after, DASHES)) return;
    if (!equal(after, CRLF)) throw badRequest("malformed multipart body");

    const headerBytes = await input.readUntil(HEADER_END, MAX_HEADER_BYTES);
    if (!headerBytes) throw badRequest("malformed multipart body: unterminated part headers");
    const part = parsePartHeaders(new TextDecoder().decode(headerBytes));

    let done = false;
    const body = (async function* () {
      for await (const chunk of input.readUntilStreaming(delimiter)) yield chunk;
      done = true;
    })();
    yield { ...part, body };
    // Skip whatever the consumer left unread (it may never have started, or stopped early).
    if (!done) for await (const _ of input.readUntilStreaming(delimiter));
  }
}

function parsePartHeaders(text: string): Omit<Part, "body"> {
  let disposition = "";
  let contentType: string | undefined;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") disposition = value;
    else if (key === "content-type") contentType = value;
  }
  if (!/^form-data\b/i.test(disposition)) throw badRequest("malformed multipart body: part without content-disposition");
  const params = dispositionParams(disposition);
  if (params.name === undefined) throw badRequest("malformed multipart body: part without a name");
  return { name: params.name, filename: params["filename*"] ?? params.filename, contentType };
}

function dispositionParams(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  const re = /;\s*([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const key = m[1].toLowerCase();
    if (m[2] !== undefined) {
      // Browsers, undici and workerd percent-escape `"`, CR and LF in names; some clients backslash-escape.
      params[key] = m[2].replace(/\\(.)/g, "$1").replace(/%22/g, '"').replace(/%0D/gi, "\r").replace(/%0A/gi, "\n");
    } else if (key === "filename*") {
      const ext = m[3].trim().match(/^([\w-]*)'[^']*'(.*)$/);
      try {
        params[key] = ext ? decodeURIComponent(ext[2]) : m[3].trim();
      } catch {
        params[key] = m[3].trim();
      }
    } else {
      params[key] = m[3].trim();
    }
  }
  return params;
}

/** Reads a body stream with lookahead, counting every byte against `maxBytes`. */
class ByteReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private total = 0;
  private ended = false;
  /** Whether the last readUntilStreaming met its needle. */
  private found = false;

  constructor(
    stream: ReadableStream<Uint8Array>,
    private readonly maxBytes: number,
  ) {
    this.reader = stream.getReader();
  }

  unshift(bytes: Uint8Array) {
    this.buffer = concat([bytes, this.buffer]);
  }

  /** Appends the next chunk to the buffer; false at the end of the stream. */
  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const { done, value } = await this.reader.read();
    if (done) {
      this.ended = true;
      return false;
    }
    this.total += value.byteLength;
    if (this.total > this.maxBytes) {
      await this.reader.cancel().catch(() => {});
      throw tooLarge(this.maxBytes);
    }
    this.buffer = this.buffer.length ? concat([this.buffer, value]) : value;
    return true;
  }

  async take(n: number): Promise<Uint8Array> {
    while (this.buffer.length < n) {
      if (!(await this.fill())) throw badRequest("malformed multipart body: unexpected end");
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  /** Discards everything up to and including `needle`; false if the stream ends first. */
  async skipPast(needle: Uint8Array): Promise<boolean> {
    for await (const _ of this.readUntilStreaming(needle, false)) {
      // preamble: ignored
    }
    return this.found;
  }

  /** Bytes before `needle` (which is consumed), or undefined if it is not within `limit` bytes. */
  async readUntil(needle: Uint8Array, limit: number): Promise<Uint8Array | undefined> {
    while (true) {
      const at = indexOf(this.buffer, needle);
      if (at >= 0) {
        const out = this.buffer.slice(0, at);
        this.buffer = this.buffer.subarray(at + needle.length);
        return out;
      }
      if (this.buffer.length > limit || !(await this.fill())) return undefined;
    }
  }

  /**
   * Yields the bytes before `needle` as they arrive, holding back only a needle's length of
   * lookahead, then consumes the needle. Throws (or, when `strict` is off, just stops and
   * leaves `found` false) if the stream ends first.
   */
  async *readUntilStreaming(needle: Uint8Array, strict = true): AsyncGenerator<Uint8Array> {
    this.found = false;
    while (true) {
      const at = indexOf(this.buffer, needle);
      if (at >= 0) {
        if (at > 0) yield this.buffer.slice(0, at);
        this.buffer = this.buffer.subarray(at + needle.length);
        this.found = true;
        return;
      }
      const safe = this.buffer.length - needle.length;
      if (safe > 0) {
        yield this.buffer.slice(0, safe);
        this.buffer = this.buffer.subarray(safe);
      }
      if (!(await this.fill())) {
        if (strict) throw badRequest("malformed multipart body: missing closing boundary");
        return;
      }
    }
  }
}

/** Position of `needle` in `haystack`: a native scan for its first byte, then a compare. */
function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first); i >= 0 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
