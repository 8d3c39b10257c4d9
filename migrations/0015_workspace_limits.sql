-- Per-workspace limits set by the operator (admin API). A NULL column means the deployment's default
-- (src/limits/workspace-limits.ts, overridable with the WORKSPACE_DEFAULT_LIMITS var).
CREATE TABLE workspace_limits (
  workspace_id TEXT PRIMARY KEY NOT NULL REFERENCES workspaces(id),
  requests_per_minute INTEGER,
  write_bytes_per_day INTEGER,
  model_tokens_per_day INTEGER,
  max_sessions INTEGER,
  max_active_sessions INTEGER,
  max_events_per_session INTEGER,
  max_sandbox_bytes INTEGER,
  updated_at TEXT NOT NULL
);
