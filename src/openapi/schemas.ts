import { z } from "zod";
import { errorStatus } from "../lib/errors";

/**
 * The JSON Schema pieces the OpenAPI document is built from: the error envelope every failure travels in, and the
 * shapes of the objects the API answers with. Request schemas are not here: they come from the zod schemas the
 * routes validate with (`validate()` registers them).
 */

type JsonSchema = Record<string, unknown>;

/** The error envelope, `{type: "error", error: {type, message}, request_id}`, as `errorBody()` writes it. */
export const errorEnvelope: JsonSchema = {
  type: "object",
  description: "Every error answer. `error.type` is one of Anthropic's error types; some carry `details` (e.g. `error_code`).",
  required: ["type", "error", "request_id"],
  properties: {
    type: { type: "string", const: "error" },
    error: {
      type: "object",
      required: ["type", "message"],
      properties: {
        type: { type: "string", examples: Object.keys(errorStatus) },
        message: { type: "string", description: "What was wrong, naming the offending field or limit." },
        details: { type: "object", additionalProperties: true, description: "Typed details the SDK reads, e.g. `error_code`." },
      },
      additionalProperties: true,
    },
    request_id: { type: "string", description: "Also sent as the `request-id` header; quote it when reporting a problem." },
  },
  additionalProperties: false,
};

/**
 * An API object, identified by its `type` (the SDK's discriminator; several for a union, none for the few objects
 * that carry no `type`). Its full shape is the SDK type named.
 */
export function apiObject(types: string | readonly string[] | null, sdkType?: string, label?: string): JsonSchema {
  const list = types === null ? [] : typeof types === "string" ? [types] : types;
  const name = label ?? list.join(" or ");
  return {
    type: "object",
    description: sdkType ? `${name}; its fields are the SDK type \`${sdkType}\`.` : `${name}.`,
    required: list.length ? ["type"] : [],
    properties: {
      ...(list.length && { type: list.length === 1 ? { type: "string", const: list[0] } : { type: "string", enum: list } }),
      id: { type: "string" },
    },
    additionalProperties: true,
  };
}

/** One event of a session's log (`user.*`, `agent.*`, `session.*`, `span.*`). */
export const sessionEvent: JsonSchema = {
  type: "object",
  description: "A session event; fields as the SDK type `BetaManagedAgentsSessionEvent` (discriminated by `type`).",
  required: ["type", "id"],
  properties: { type: { type: "string", examples: ["user.message", "agent.message", "session.status_idle"] }, id: { type: "string" } },
  additionalProperties: true,
};

/** The SDK's `PageCursor` page: `data` and `next_page`, the cursor to send back as `page` (null on the last page). */
export function page(item: JsonSchema): JsonSchema {
  return {
    type: "object",
    required: ["data"],
    properties: { data: { type: "array", items: item }, next_page: { type: ["string", "null"] } },
    additionalProperties: true,
  };
}

/** A multipart upload body: the file parts and the text fields their zod schema validates. */
export function multipartForm(files: Record<string, JsonSchema>, fields: z.ZodType): JsonSchema {
  const text = z.toJSONSchema(fields, { io: "input", unrepresentable: "any" }) as { properties?: JsonSchema };
  return {
    type: "object",
    properties: { ...files, ...text.properties },
    required: Object.keys(files).slice(0, 1),
  };
}

export const binaryFile: JsonSchema = { type: "string", contentMediaType: "application/octet-stream" };
