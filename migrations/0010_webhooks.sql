-- Webhook endpoints. In this multi-tenant deployment the API's "organization" is a workspace:
-- an endpoint registered with a workspace's API key receives that workspace's events only.
-- The signing secret is an AES-GCM envelope (src/lib/secret-box.ts), shown once in clear.
-- Deliveries themselves live in each workspace's WebhookDelivery Durable Object (SQLite outbox).
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  url TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  -- JSON array of event types.
  enabled_events TEXT NOT NULL,
  state TEXT NOT NULL,
  disabled_reason TEXT NOT NULL DEFAULT '',
  signing_secret TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, id);
