import { createMiddleware } from "hono/factory";
import { ApiError, badRequest } from "../lib/errors";
import type { AppEnv } from "../env";

/** JSON bodies above this are refused: by `content-length` before reading, and by counting as the body streams. */
export const MAX_JSON_BYTES = 32 * 1024 * 1024;

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;
/** Uploads (files, skills) are multipart and size-checked by their own routes, on the stream too. */
const MULTIPART_TYPE = /^multipart\/form-data\b/i;

const tooLarge = () => new ApiError("request_too_large", `request body exceeds the limit of ${MAX_JSON_BYTES} bytes (32 MiB)`);

/**
 * A write with a body must say it is JSON (or multipart, for uploads) and JSON must not exceed the size limit:
 * a clear 413 instead of an out-of-memory. A chunked body has no `content-length`, so the body is read here,
 * counting bytes and stopping at the limit, and handed to Hono's body cache for the route's validator.
 */
export const jsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method === "POST" || c.req.method === "PUT" || c.req.method === "PATCH") {
    const type = c.req.header("content-type") ?? "";
    const length = Number(c.req.header("content-length") ?? "0");
    if (MULTIPART_TYPE.test(type)) return next();
    if (length > MAX_JSON_BYTES) throw tooLarge();
    if ((length > 0 || c.req.raw.body) && type && !JSON_TYPE.test(type)) {
      throw badRequest(`content-type must be application/json, got "${type}"`);
    }
    // Hono keeps promises in its body cache (its type says otherwise); `json()` parses this text.
    if (c.req.raw.body) (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(await readCapped(c.req.raw.body));
  }
  await next();
});

async function readCapped(body: ReadableStream<Uint8Array>): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > MAX_JSON_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
}
