-- Files and skills. Bytes live in R2 (BLOBS) under blob_key; rows hold metadata only.
CREATE TABLE files (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  filename TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  blob_key TEXT NOT NULL,
  downloadable INTEGER NOT NULL,
  scope_type TEXT,
  scope_id TEXT,
  expires_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX files_workspace ON files (workspace_id, id);
CREATE INDEX files_scope ON files (workspace_id, scope_id, id);

CREATE TABLE skills (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  source TEXT NOT NULL,
  latest_version_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX skills_workspace ON skills (workspace_id, id);

CREATE TABLE skill_versions (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  skill_id TEXT NOT NULL REFERENCES skills(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  manifest TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX skill_versions_workspace ON skill_versions (workspace_id, id);
CREATE INDEX skill_versions_skill ON skill_versions (workspace_id, skill_id, id);
