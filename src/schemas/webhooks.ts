import { z } from "zod";
import { SUBSCRIBABLE_EVENT_TYPES } from "../webhooks/events";

const eventType = z.enum(SUBSCRIBABLE_EVENT_TYPES, {
  error: (issue) => `unknown event type ${JSON.stringify(issue.input)}`,
});

/** Duplicates collapse: subscribing twice to one type is still one delivery. */
const enabledEvents = z.array(eventType).transform((types) => [...new Set(types)]);

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The API takes HTTPS URLs. Plain http is allowed for localhost only, so a receiver can be
 * tried under `wrangler dev`; deliveries never follow redirects elsewhere.
 */
const endpointUrl = z
  .string()
  .max(2048)
  .refine((text) => {
    try {
      const url = new URL(text);
      if (url.username || url.password) return false;
      return url.protocol === "https:" || (url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname));
    } catch {
      return false;
    }
  }, "must be an https:// URL without credentials");

const name = z.string().max(256);
const description = z.string().max(2048);

export const webhookCreateParams = z.strictObject({
  url: endpointUrl,
  enabled_events: enabledEvents.refine((types) => types.length > 0, "must list at least one event type"),
  name: name.optional(),
  description: description.optional(),
});

export const webhookUpdateParams = z.strictObject({
  url: endpointUrl.optional(),
  /** Replaces the whole set; an empty list leaves it unchanged. */
  enabled_events: enabledEvents.optional(),
  name: name.optional(),
  description: description.optional(),
  state: z.enum(["enabled", "disabled"]).optional(),
});
