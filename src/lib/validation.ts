import { validator } from "hono-openapi";
import type { ValidationTargets } from "hono";
import type { z } from "zod";
import { badRequest } from "./errors";

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
  validator(target, schema, (result) => {
    if (!result.success) throw badRequest(describeIssues(result.error as readonly Issue[]));
  });
