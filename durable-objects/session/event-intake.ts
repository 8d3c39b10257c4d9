import { describeIssues } from "../../src/lib/validation";
import { eventParams, systemMessagePlacement } from "../../src/schemas/events";
import { startsTurn } from "../../src/limits/model-tokens";
import { jsonBytes, MAX_EVENT_BYTES, tooLarge } from "./event-size";
import { fileIdsIn, foreignFileIds } from "./file-blocks";
import { fail, ok, type RpcResult, type UserEventParams } from "./types";

/**
 * The checks `events.send` runs before anything reaches the state machine, in the order a client would fix them:
 * the workspace's event cap on the session, each event's size and shape, where system messages may go, and that
 * every file a content block names is the workspace's own. The first failure refuses the whole batch.
 */
export async function parseUserEvents(
  db: D1Database,
  workspaceId: string,
  events: unknown[],
  /** The session's event count and the workspace's `max_events_per_session`, when the request is an API key's. */
  cap?: { held: () => number; maxEvents: number },
): Promise<RpcResult<UserEventParams[]>> {
  const held = cap && startsTurn(events) ? cap.held() : 0;
  if (cap && held >= cap.maxEvents) {
    return fail(
      "invalid_request_error",
      `this session holds ${held} events, its workspace's limit (max_events_per_session: ${cap.maxEvents}); it takes no new turn: start a new session`,
    );
  }
  const parsed: UserEventParams[] = [];
  for (const [i, event] of events.entries()) {
    const bytes = jsonBytes(event);
    if (bytes > MAX_EVENT_BYTES) return fail("request_too_large", `events.${i}: ${tooLarge("this event", bytes)}`);
    const result = eventParams.safeParse(event);
    if (!result.success) {
      const issues = result.error.issues.map((issue) => ({ ...issue, path: ["events", i, ...issue.path] }));
      return fail("invalid_request_error", describeIssues(issues));
    }
    parsed.push(result.data as UserEventParams);
  }
  const misplaced = systemMessagePlacement(parsed);
  if (misplaced) return fail("invalid_request_error", misplaced);
  // Files named in content blocks must be the workspace's own (file-blocks.ts): never another tenant's, never upstream ids.
  const named = parsed.flatMap((e) => fileIdsIn("content" in e ? e.content : undefined));
  const foreign = named.length ? await foreignFileIds(db, workspaceId, named) : [];
  if (foreign.length) return fail("not_found_error", `file not found: ${foreign[0]}`);
  return ok(parsed);
}
