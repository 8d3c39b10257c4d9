-- Memory stores, their memories and every memory's immutable versions.
--
-- Content lives in D1, in memory_versions.content: a memory is at most 100 kB (102,400
-- bytes), far under D1's 2 MB row limit, and keeping it next to the rows lets one batch
-- (one transaction) compare-and-swap a memory and append its version, so a write and its
-- version can never disagree. A memory's current content is its head version's content
-- (memories.memory_version_id), so it is stored once.
CREATE TABLE memory_stores (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  archived_at TEXT
);
CREATE INDEX memory_stores_workspace ON memory_stores (workspace_id, id);

CREATE TABLE memories (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  memory_store_id TEXT NOT NULL REFERENCES memory_stores(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  content_sha256 TEXT NOT NULL,
  content_size_bytes INTEGER NOT NULL,
  -- The version holding the current content; every write swaps it (optimistic concurrency).
  memory_version_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- Paths are unique in a store; listings walk this index in path order.
CREATE UNIQUE INDEX memories_store_path ON memories (memory_store_id, path);
CREATE INDEX memories_workspace ON memories (workspace_id, memory_store_id, id);

CREATE TABLE memory_versions (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  memory_store_id TEXT NOT NULL REFERENCES memory_stores(id) ON DELETE CASCADE,
  -- No foreign key: versions outlive their memory.
  memory_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  -- NULL once redacted; content and its hash and size are also NULL on `deleted` versions.
  path TEXT,
  content TEXT,
  content_sha256 TEXT,
  content_size_bytes INTEGER,
  -- The actor, e.g. ('api_actor', apikey_...) or ('session_actor', sesn_...).
  created_by_type TEXT NOT NULL,
  created_by_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  redacted_at TEXT,
  redacted_by_type TEXT,
  redacted_by_id TEXT
);
CREATE INDEX memory_versions_workspace ON memory_versions (workspace_id, memory_store_id, id);
CREATE INDEX memory_versions_memory ON memory_versions (memory_store_id, memory_id, id);
