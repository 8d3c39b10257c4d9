import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { SubscribableEventType } from "../../webhooks/events";

/**
 * A workspace's webhook endpoint (the API calls them organization webhook endpoints: here an
 * organization is a workspace). `signingSecret` is a secret-box envelope, never rendered.
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    url: text("url").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    enabledEvents: text("enabled_events", { mode: "json" }).$type<SubscribableEventType[]>().notNull(),
    state: text("state", { enum: ["enabled", "disabled"] }).notNull(),
    disabledReason: text("disabled_reason").notNull(),
    signingSecret: text("signing_secret").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("webhook_endpoints_workspace").on(t.workspaceId, t.id)],
);

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
