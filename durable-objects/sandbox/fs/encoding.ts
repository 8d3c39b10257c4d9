import type { BufferEncoding, FileContent } from "just-bash/browser";

const utf8 = new TextEncoder();

/** File content as bytes, in the encoding just-bash names (Node's Buffer encodings). */
export function encode(content: FileContent, encoding?: BufferEncoding): Uint8Array {
  if (content instanceof Uint8Array) return content;
  switch (encoding) {
    case "base64":
      return Uint8Array.from(atob(content), (c) => c.charCodeAt(0));
    case "hex":
      return Uint8Array.from(content.match(/../g) ?? [], (h) => parseInt(h, 16));
    case "binary":
    case "latin1":
    case "ascii":
      return Uint8Array.from(content, (c) => c.charCodeAt(0) & 0xff);
    default:
      return utf8.encode(content);
  }
}

export function decode(bytes: Uint8Array, encoding?: BufferEncoding | null): string {
  switch (encoding) {
    case "base64": {
      let s = "";
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s);
    }
    case "hex":
      return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    case "binary":
    case "latin1":
    case "ascii": {
      let s = "";
      for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
      return s;
    }
    default:
      return new TextDecoder().decode(bytes);
  }
}

export type ReadFileOptions = { encoding?: BufferEncoding | null };

export const encodingOf = (options?: ReadFileOptions | BufferEncoding | { encoding?: BufferEncoding }) =>
  (typeof options === "string" ? options : (options?.encoding ?? undefined)) as BufferEncoding | undefined;
