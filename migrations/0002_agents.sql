-- Agents: identity + lifecycle in `agents`, every configuration snapshot in `agent_versions`.
CREATE TABLE agents (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  archived_at TEXT
);
CREATE INDEX agents_workspace ON agents (workspace_id, id);

CREATE TABLE agent_versions (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  agent_id TEXT NOT NULL REFERENCES agents(id),
  version INTEGER NOT NULL,
  config TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX agent_versions_agent_version ON agent_versions (agent_id, version);
CREATE INDEX agent_versions_workspace ON agent_versions (workspace_id, agent_id, id);
