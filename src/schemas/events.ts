import { z } from "zod";

// Zod mirrors of the SDK's event params (`BetaManagedAgentsEventParams` and the content blocks they carry).
// Used by the events route and by the session DO itself, so events the hands send over RPC are checked too.

const text = z.strictObject({ type: z.literal("text"), text: z.string() });

const imageSource = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("base64"), data: z.string().min(1), media_type: z.string().min(1) }),
  z.strictObject({ type: z.literal("url"), url: z.string().url() }),
  z.strictObject({ type: z.literal("file"), file_id: z.string().min(1) }),
]);
const image = z.strictObject({ type: z.literal("image"), source: imageSource });

const documentSource = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("base64"), data: z.string().min(1), media_type: z.string().min(1) }),
  z.strictObject({ type: z.literal("text"), data: z.string(), media_type: z.literal("text/plain") }),
  z.strictObject({ type: z.literal("url"), url: z.string().url() }),
  z.strictObject({ type: z.literal("file"), file_id: z.string().min(1) }),
]);
const document = z.strictObject({
  type: z.literal("document"),
  source: documentSource,
  context: z.string().nullish(),
  title: z.string().nullish(),
});

const searchResult = z.strictObject({
  type: z.literal("search_result"),
  source: z.string(),
  title: z.string(),
  content: z.array(text),
  citations: z.strictObject({ enabled: z.boolean() }),
});

const redacted = z.strictObject({ type: z.literal("redacted") });

const messageContent = z.array(z.discriminatedUnion("type", [text, image, document, redacted])).min(1);
const toolResultContent = z.array(z.discriminatedUnion("type", [text, image, document, searchResult]));

export const userMessageEvent = z.strictObject({ type: z.literal("user.message"), content: messageContent });

export const userInterruptEvent = z.strictObject({
  type: z.literal("user.interrupt"),
  session_thread_id: z.string().nullish(),
});

export const userToolConfirmationEvent = z.strictObject({
  type: z.literal("user.tool_confirmation"),
  tool_use_id: z.string().min(1),
  result: z.enum(["allow", "deny"]),
  deny_message: z.string().nullish(),
});

export const userCustomToolResultEvent = z.strictObject({
  type: z.literal("user.custom_tool_result"),
  custom_tool_use_id: z.string().min(1),
  content: toolResultContent.optional(),
  is_error: z.boolean().nullish(),
});

export const userToolResultEvent = z.strictObject({
  type: z.literal("user.tool_result"),
  tool_use_id: z.string().min(1),
  content: toolResultContent.optional(),
  is_error: z.boolean().nullish(),
});

const userDefineOutcomeEvent = z.strictObject({
  type: z.literal("user.define_outcome"),
  description: z.string().min(1),
  rubric: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("text"), content: z.string().min(1) }),
    z.strictObject({ type: z.literal("file"), file_id: z.string().min(1) }),
  ]),
  max_iterations: z.number().int().min(1).max(20).nullish(),
});
/** `BetaManagedAgentsSystemMessageEventParams`: text-only system content for this turn and the next ones. */
const systemMessageEvent = z.strictObject({ type: z.literal("system.message"), content: z.array(text).min(1) });

export const eventParams = z.discriminatedUnion("type", [
  userMessageEvent,
  userInterruptEvent,
  userToolConfirmationEvent,
  userCustomToolResultEvent,
  userToolResultEvent,
  userDefineOutcomeEvent,
  systemMessageEvent,
]);
export type EventParams = z.infer<typeof eventParams>;

export const sendEventsBody = z.strictObject({ events: z.array(eventParams).min(1).max(100) });

/** What a `system.message` may accompany (it must come right after one of these, as the batch's last event). */
const SYSTEM_MESSAGE_FOLLOWS = new Set(["user.message", "user.tool_result", "user.custom_tool_result"]);

/**
 * The SDK's placement rule for `system.message`: "At most one per request: it must be the final event and
 * immediately follow the user.message, user.tool_result, or user.custom_tool_result it accompanies."
 * Returns the refusal, or null when the batch is well placed.
 */
export function systemMessagePlacement(events: ReadonlyArray<{ type: string }>): string | null {
  const at = events.findIndex((e) => e.type === "system.message");
  if (at === -1) return null;
  if (events.findLastIndex((e) => e.type === "system.message") !== at) return "events: at most one system.message per request";
  if (at !== events.length - 1) return `events.${at}: a system.message must be the last event of the request`;
  if (!SYSTEM_MESSAGE_FOLLOWS.has(events[at - 1]?.type ?? "")) {
    return `events.${at}: a system.message must immediately follow the user.message, user.tool_result or user.custom_tool_result it accompanies`;
  }
  return null;
}

/** `initial_events` on session create: user.message only here (define_outcome belongs to outcomes). */
export const initialEvents = z.array(z.discriminatedUnion("type", [userMessageEvent, userDefineOutcomeEvent])).max(50);

const timestamp = z.string().refine((v) => !Number.isNaN(Date.parse(v)), "must be an RFC 3339 timestamp");

/** `events.list` query: PageCursor params, order, created_at bounds, `types[]` (the SDK sends brackets). */
export const listEventsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
  page: z.string().min(1).optional(),
  order: z.enum(["asc", "desc"]).default("asc"),
  "created_at[gt]": timestamp.optional(),
  "created_at[gte]": timestamp.optional(),
  "created_at[lt]": timestamp.optional(),
  "created_at[lte]": timestamp.optional(),
  types: z.array(z.string().min(1)).optional(),
});
export type ListEventsQuery = z.infer<typeof listEventsQuery>;

export const deltaTypes = z.array(z.enum(["agent.message", "agent.thinking"])).default([]);
