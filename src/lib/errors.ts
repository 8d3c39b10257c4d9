import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The error types of Anthropic's API, each with the status it travels with. */
export const errorStatus = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  precondition_failed_error: 412,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
} as const;

export type ErrorType = keyof typeof errorStatus;

/** Thrown anywhere in a request; rendered by the app's onError as Anthropic's error shape. */
export class ApiError extends Error {
  constructor(
    /** One of the standard types, or a resource's own (e.g. `memory_path_conflict_error`) with an explicit status. */
    readonly type: ErrorType | (string & {}),
    message: string,
    readonly status: ContentfulStatusCode = (errorStatus[type as ErrorType] ?? 500) as ContentfulStatusCode,
    /** Extra members of the error object, e.g. `details` or a conflict's `conflicting_path`. */
    readonly fields?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new ApiError("invalid_request_error", message);
export const notFound = (what: string, id: string) =>
  new ApiError("not_found_error", `${what} not found: ${id}`);
export const conflict = (message: string) => new ApiError("conflict_error", message);

/** A 400 the SDK raises as a specific error class (e.g. `environment_archived` → BetaEnvironmentArchivedError). */
export const codedBadRequest = (errorCode: string, message: string) =>
  new ApiError("invalid_request_error", message, 400, { details: { error_code: errorCode } });

/** A metadata limit broken: the SDK raises `invalid_metadata` as BetaInvalidMetadataError. */
export const invalidMetadata = (message: string) => codedBadRequest("invalid_metadata", message);

/** A 404 the SDK raises as a specific error class (e.g. `environment_not_found` → BetaEnvironmentNotFoundError). */
export const codedNotFound = (errorCode: string, message: string) =>
  new ApiError("not_found_error", message, 404, { details: { error_code: errorCode } });

export function errorBody(type: string, message: string, requestId: string, fields?: Record<string, unknown>) {
  return { type: "error" as const, error: { type, message, ...fields }, request_id: requestId };
}
