-- Sessions: the cross-session index (lists and filters read it without waking Durable Objects).
-- Each session's event log, turn state and usage live in its SessionDurableObject, which mirrors
-- status, usage and timestamps here on every transition.
CREATE TABLE sessions (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  agent_version INTEGER NOT NULL,
  agent TEXT NOT NULL,
  environment_id TEXT NOT NULL,
  title TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  resources TEXT NOT NULL DEFAULT '[]',
  vault_ids TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL DEFAULT 'idle',
  usage TEXT NOT NULL DEFAULT '{}',
  active_seconds REAL NOT NULL DEFAULT 0,
  running_since TEXT,
  deployment_id TEXT,
  mirror_seq INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  archived_at TEXT
);
CREATE INDEX sessions_workspace ON sessions (workspace_id, id);
CREATE INDEX sessions_workspace_agent ON sessions (workspace_id, agent_id, id);
CREATE INDEX sessions_workspace_status ON sessions (workspace_id, status, id);
