import { createMiddleware } from "hono/factory";
import { ApiError, badRequest } from "../lib/errors";
import type { AppEnv } from "../env";

/** JSON bodies above this are refused before they are parsed. */
const MAX_JSON_BYTES = 32 * 1024 * 1024;

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;
/** Uploads (files, skills) are multipart and size-checked by their own routes. */
const MULTIPART_TYPE = /^multipart\/form-data\b/i;

/**
 * A write with a body must say it is JSON (or multipart, for uploads) and JSON must not
 * exceed the size limit: a clear 4xx instead of an empty parse or an out-of-memory.
 */
export const jsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method === "POST" || c.req.method === "PUT" || c.req.method === "PATCH") {
    const type = c.req.header("content-type") ?? "";
    const length = Number(c.req.header("content-length") ?? "0");
    if (MULTIPART_TYPE.test(type)) return next();
    if (length > MAX_JSON_BYTES) {
      throw new ApiError("request_too_large", `request body exceeds ${MAX_JSON_BYTES} bytes`);
    }
    if ((length > 0 || c.req.raw.body) && type && !JSON_TYPE.test(type)) {
      throw badRequest(`content-type must be application/json, got "${type}"`);
    }
  }
  await next();
});
