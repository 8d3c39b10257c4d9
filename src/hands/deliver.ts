import type { Env } from "../env";
import { app } from "../app";
import type { ToolResultEvent } from "./toolset";
import { jsonBytes, MAX_EVENT_BYTES, oversizeResult } from "../../durable-objects/session/event-size";

const toEventFields = (r: ReturnType<typeof oversizeResult>) => ({ content: r.content as ToolResultEvent["content"], is_error: r.isError });

export type DeliveryOutcome =
  | { status: "delivered" }
  /** The session refused it for good (answered already, session gone...): retrying cannot help. */
  | { status: "rejected"; httpStatus: number; message: string }
  /** Worth another try later; a 401 means the token should be minted again first. */
  | { status: "retry"; httpStatus?: number; message: string };

/**
 * Posts a tool result through the session's public send path (`POST /v1/sessions/:id/events`), in-process and
 * authenticated with a sessions token scoped to that session, so it is validated exactly like a result from a
 * self-hosted worker, including the session plane's refusal of a second result for the same tool use.
 */
export async function deliverToolResult(env: Env, sessionId: string, token: string, result: ToolResultEvent): Promise<DeliveryOutcome> {
  // A result the session could never store (over the event size cap) is sent as an error the model can act on.
  const bytes = jsonBytes(result);
  const event = bytes > MAX_EVENT_BYTES ? { ...result, ...toEventFields(oversizeResult(bytes)) } : result;
  let response: Response;
  try {
    response = await app.fetch(
      new Request(`https://hands.internal/v1/sessions/${encodeURIComponent(sessionId)}/events`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "anthropic-beta": "managed-agents-2026-04-01",
        },
        body: JSON.stringify({ events: [event] }),
      }),
      env,
    );
  } catch (err) {
    return { status: "retry", message: String(err) };
  }
  if (response.ok) return { status: "delivered" };
  const message = await response.text().catch(() => "");
  if (response.status >= 500 || [401, 409, 429].includes(response.status)) return { status: "retry", httpStatus: response.status, message };
  return { status: "rejected", httpStatus: response.status, message };
}
