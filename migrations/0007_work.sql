-- Self-hosted work queue credentials. The queue itself lives in one Durable Object per environment.

-- Environment keys: bearer credentials of environment workers, stored hashed.
CREATE TABLE environment_keys (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  environment_id TEXT NOT NULL,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX environment_keys_workspace ON environment_keys (workspace_id, id);
CREATE INDEX environment_keys_environment ON environment_keys (environment_id, id);

-- Session-scoped tokens (a work item's sessions_token, the cloud sandbox's result token), stored hashed.
CREATE TABLE sessions_tokens (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  environment_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  work_id TEXT,
  epoch INTEGER NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX sessions_tokens_workspace ON sessions_tokens (workspace_id, id);
CREATE INDEX sessions_tokens_work ON sessions_tokens (work_id, epoch);
