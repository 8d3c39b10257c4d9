-- Environments: cloud container templates and self-hosted worker pools.
CREATE TABLE environments (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  description TEXT,
  config_type TEXT NOT NULL CHECK (config_type IN ('cloud', 'self_hosted')),
  config TEXT NOT NULL,
  metadata TEXT NOT NULL,
  scope TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  archived_at TEXT
);
CREATE INDEX environments_workspace ON environments (workspace_id, id);
CREATE UNIQUE INDEX environments_workspace_name ON environments (workspace_id, name) WHERE archived_at IS NULL;
