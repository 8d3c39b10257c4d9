import Anthropic from "@anthropic-ai/sdk";

export type ModelErrorType = "model_overloaded_error" | "model_rate_limited_error" | "model_request_failed_error" | "unknown_error";

export interface ClassifiedError {
  type: ModelErrorType;
  message: string;
  /** 429, 529, 5xx, 408/409 and network faults are worth another attempt; other 4xx never succeed as sent. */
  retryable: boolean;
  /** The server's own hint (`retry-after-ms` / `retry-after`), in ms. */
  retryAfterMs?: number;
}

/** A stream that ended without `message_stop`: the connection dropped mid-message. */
export class IncompleteStreamError extends Error {
  constructor() {
    super("the model stream ended before message_stop");
  }
}

/** Maps whatever the model call threw to the session error it becomes. */
export function classifyModelError(err: unknown): ClassifiedError {
  if (err instanceof Anthropic.APIError) {
    // An `error` event inside an SSE stream arrives as an APIError without a status; its type says what it was.
    const bodyType = (err.error as { error?: { type?: string } } | undefined)?.error?.type;
    const status = err.status ?? statusForType(bodyType);
    const message = err.message || `model request failed (${status ?? "network"})`;
    const retryAfterMs = retryAfter(err.headers);
    if (err instanceof Anthropic.APIConnectionError || status === undefined) {
      return { type: "model_request_failed_error", message, retryable: true };
    }
    if (status === 429) return { type: "model_rate_limited_error", message, retryable: true, retryAfterMs };
    if (status === 529) return { type: "model_overloaded_error", message, retryable: true, retryAfterMs };
    const retryable = status >= 500 || status === 408 || status === 409;
    return { type: "model_request_failed_error", message, retryable, retryAfterMs };
  }
  const message = (err instanceof Error ? err.message : String(err)) || "model request failed";
  // The SDK's own non-HTTP errors are configuration faults (no API key...): another attempt cannot help.
  if (err instanceof Anthropic.AnthropicError) return { type: "model_request_failed_error", message, retryable: false };
  // Anything else thrown by fetch or the stream reader is a transport fault.
  return { type: "model_request_failed_error", message, retryable: true };
}

function statusForType(type: string | undefined): number | undefined {
  if (type === "overloaded_error") return 529;
  if (type === "rate_limit_error") return 429;
  if (type === "api_error") return 500;
  if (type === "invalid_request_error") return 400;
  return undefined;
}

function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(headers?.get("retry-after"));
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  return undefined;
}

/** Exponential backoff with a little jitter, at least the server's hint, capped at a minute. */
export function backoffMs(attempt: number, baseMs: number, hintMs?: number): number {
  const exp = baseMs * 2 ** Math.max(0, attempt - 1);
  const jittered = exp * (0.8 + Math.random() * 0.4);
  return Math.min(60_000, Math.max(jittered, hintMs ?? 0));
}
