import { z } from "zod";
import { parseHttpsUrl } from "./https-url";
import { ORGANIZATION_EVENT_TYPES, WORKSPACE_EVENT_TYPES } from "../webhooks/events";

/** Duplicates collapse: subscribing twice to one type is still one delivery. */
const eventList = <T extends readonly [string, ...string[]]>(types: T, hint: string) =>
  z
    .array(z.enum(types, { error: (issue) => `unknown event type ${JSON.stringify(issue.input)}${hint}` }))
    .transform((list) => [...new Set(list)]);

/** Exactly what the SDK's `enabled_events` types: the organization-level events. */
const enabledEvents = eventList(ORGANIZATION_EVENT_TYPES, " (workspace events such as session.* go in workspace_events)");
/**
 * This server's extension: the workspace events (agents, sessions, deployments...) an endpoint subscribes to. A
 * separate field, so `enabled_events` read back by a typed client never holds a value its type does not list.
 */
const workspaceEvents = eventList(WORKSPACE_EVENT_TYPES, "");

/**
 * The API takes HTTPS URLs. Plain http is allowed for localhost only, so a receiver can be
 * tried under `wrangler dev`; deliveries never follow redirects elsewhere.
 */
const endpointUrl = z
  .string()
  .max(2048)
  .refine((text) => {
    const url = parseHttpsUrl(text);
    return url !== null && !url.username && !url.password;
  }, "must be an https:// URL without credentials");

const name = z.string().max(256);
const description = z.string().max(2048);

export const webhookCreateParams = z
  .strictObject({
    url: endpointUrl,
    enabled_events: enabledEvents.default([]),
    workspace_events: workspaceEvents.default([]),
    name: name.optional(),
    description: description.optional(),
  })
  .refine((body) => body.enabled_events.length + body.workspace_events.length > 0, {
    message: "must list at least one event type (in enabled_events or workspace_events)",
    path: ["enabled_events"],
  });

export const webhookUpdateParams = z.strictObject({
  url: endpointUrl.optional(),
  /** Each replaces its whole set; an empty list leaves it unchanged. */
  enabled_events: enabledEvents.optional(),
  workspace_events: workspaceEvents.optional(),
  name: name.optional(),
  description: description.optional(),
  state: z.enum(["enabled", "disabled"]).optional(),
});
