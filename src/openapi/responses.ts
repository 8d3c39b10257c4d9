import { apiObject, binaryFile, errorEnvelope, page, sessionEvent } from "./schemas";

/**
 * What an operation answers on success, in the few forms the API has: one JSON object, a page of them, a
 * server-sent event stream, a WebSocket upgrade, or raw bytes.
 */
export type Returns =
  | { kind: "json"; schema: Record<string, unknown>; description: string; status?: number }
  | { kind: "sse"; description: string }
  | { kind: "websocket"; description: string }
  | { kind: "bytes"; description: string; mediaType: string };

const article = (type: string) => (/^[aeiou]/.test(type) ? "an" : "a");
const words = (type: string | readonly string[]) => (typeof type === "string" ? [type] : type).join(" or ").replace(/_/g, " ");

export const one = (type: string | readonly string[], sdkType?: string, description?: string): Returns => ({
  kind: "json",
  schema: apiObject(type, sdkType),
  description: description ?? `The ${words(type)}.`,
});
export const created = (type: string, sdkType?: string, description?: string): Returns => ({
  ...(one(type, sdkType, description) as Extract<Returns, { kind: "json" }>),
  status: 201,
});
export const list = (type: string | readonly string[], sdkType?: string): Returns => ({
  kind: "json",
  schema: page(apiObject(type, sdkType)),
  description: `A page of ${words(type)} objects.`,
});
export const deleted = (type: string): Returns => ({
  kind: "json",
  schema: apiObject(`${type}_deleted`),
  description: `Confirms ${article(type)} ${type.replace(/_/g, " ")} was deleted.`,
});
export const json = (description: string, schema: Record<string, unknown>): Returns => ({ kind: "json", schema, description });
export const events = (description: string): Returns => ({ kind: "json", schema: page(sessionEvent), description });
export const sse = (description: string): Returns => ({ kind: "sse", description });
export const websocket = (description: string): Returns => ({ kind: "websocket", description });
export const bytes = (description: string, mediaType = "application/octet-stream"): Returns => ({ kind: "bytes", description, mediaType });

/** The OpenAPI responses object of an operation: its success answer and the errors it can give. */
export function responsesFor(returns: Returns, { hasId, public: isPublic }: { hasId: boolean; public: boolean }) {
  const success: Record<string, unknown> = { description: returns.description };
  if (returns.kind === "json") success.content = { "application/json": { schema: returns.schema } };
  if (returns.kind === "sse") {
    success.content = {
      "text/event-stream": {
        schema: {
          type: "string",
          description: "`event:`, `id:` and `data:` lines; each `data:` is one session event as JSON (`BetaManagedAgentsSessionEvent`), `id:` its event id.",
        },
      },
    };
  }
  if (returns.kind === "bytes") success.content = { [returns.mediaType]: { schema: binaryFile } };
  const status = returns.kind === "websocket" ? "101" : String((returns.kind === "json" && returns.status) || 200);
  const errors: Record<string, unknown> = isPublic
    ? {}
    : {
        "400": { $ref: "#/components/responses/InvalidRequest" },
        "401": { $ref: "#/components/responses/Unauthenticated" },
        ...(hasId && { "404": { $ref: "#/components/responses/NotFound" } }),
      };
  return { [status]: success, ...errors, ...(!isPublic && { default: { $ref: "#/components/responses/Error" } }) };
}

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });

export const sharedComponents = {
  schemas: { Error: errorEnvelope },
  responses: {
    InvalidRequest: errorResponse("`invalid_request_error`: a parameter, header or body is wrong; the message names it."),
    Unauthenticated: errorResponse("`authentication_error`: no credential, an unknown or revoked one, or one this endpoint does not take."),
    NotFound: errorResponse("`not_found_error`: no such object in this workspace (another workspace's ids are not found either)."),
    Error: errorResponse("Any other error, in the same envelope: `conflict_error` (409), `precondition_failed_error` (412), `request_too_large` (413), `rate_limit_error` (429), `api_error` (500)."),
  },
};
