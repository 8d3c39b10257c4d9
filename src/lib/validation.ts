import { validator } from "hono-openapi";
import type { Context, ValidationTargets } from "hono";
import type { z } from "zod";
import { badRequest, invalidMetadata } from "./errors";

interface Issue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
}

/** Renders schema issues as one message that names each offending field, e.g. `name: Required`. */
export function describeIssues(issues: readonly Issue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = (issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p));
      return `${path.length ? path.join(".") : "body"}: ${issue.message}`;
    })
    .join("; ");
}

/**
 * Validates a request part and registers its schema in the OpenAPI document (`/openapi.json`),
 * so the schema that checks a request is the one that documents it. Failures throw Anthropic's
 * `invalid_request_error`, which the app's onError renders.
 */
export const validate = <Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) =>
  validator(target, schema, (result, c) => {
    if (target === "json") assertJsonBody(c);
    if (!result.success) throw validationError(result.error as readonly Issue[]);
  });

/** A request refused for its `metadata` alone carries the SDK's `invalid_metadata` code (BetaInvalidMetadataError). */
export function validationError(issues: readonly Issue[]) {
  const message = describeIssues(issues);
  const first = issues[0]?.path?.[0];
  return (typeof first === "object" ? first.key : first) === "metadata" ? invalidMetadata(message) : badRequest(message);
}

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Hono's JSON validator reads a body only when it is labelled JSON and validates `{}` otherwise, so a JSON
 * body sent as multipart or with no content-type would pass as an empty update and be ignored. A body the
 * route cannot read is refused instead.
 */
function assertJsonBody(c: Context) {
  const length = c.req.header("content-length");
  const hasBody = length !== undefined ? Number(length) > 0 : c.req.raw.body !== null;
  if (!hasBody) return;
  const type = c.req.header("content-type") ?? "";
  if (!JSON_MEDIA_TYPE.test(type.split(";")[0].trim())) {
    throw badRequest(`content-type must be application/json${type ? `, got "${type}"` : " (none was sent)"}`);
  }
}
