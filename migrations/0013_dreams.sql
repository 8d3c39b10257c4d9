-- Dreams: asynchronous jobs that read a memory store and past sessions and write a reorganized memory store.
-- Each dream is run by its own DreamRunner Durable Object (alarms, resumable); this row is what the API serves.
CREATE TABLE dreams (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  -- `pending` | `running` | `completed` | `failed` | `canceled`
  status TEXT NOT NULL,
  -- The request's inputs, as rendered (session ids sorted).
  inputs TEXT NOT NULL,
  instructions TEXT,
  model TEXT NOT NULL,
  output_behavior TEXT NOT NULL,
  -- The memory store written to, once the runner has recorded it (NULL before).
  output_memory_store_id TEXT,
  -- The store an `update_existing` dream holds until it has fully stopped (NULL otherwise, or once released).
  held_memory_store_id TEXT,
  error TEXT,
  usage TEXT NOT NULL,
  created_at TEXT NOT NULL,
  ended_at TEXT,
  archived_at TEXT
);
CREATE INDEX dreams_workspace ON dreams (workspace_id, id);
-- At most one writer per memory store: a second `update_existing` dream on the same store is a 409.
CREATE UNIQUE INDEX dreams_held_store ON dreams (held_memory_store_id) WHERE held_memory_store_id IS NOT NULL;
