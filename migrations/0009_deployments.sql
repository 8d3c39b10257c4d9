-- Deployments: an agent (pinned to a version) + environment + initial events + optional cron
-- schedule, from which sessions are started. Each deployment's schedule is fired by its own
-- DeploymentScheduler Durable Object; this table is the source of truth it reads.
CREATE TABLE deployments (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  description TEXT,
  agent_id TEXT NOT NULL,
  agent_version INTEGER NOT NULL,
  environment_id TEXT NOT NULL,
  initial_events TEXT NOT NULL,
  -- As rendered: write-only GitHub tokens stripped...
  resources TEXT NOT NULL DEFAULT '[]',
  -- ...and kept here instead, as a secret-box envelope of the full resources (NULL when no token was given).
  sealed_resources TEXT,
  vault_ids TEXT NOT NULL DEFAULT '[]',
  metadata TEXT NOT NULL DEFAULT '{}',
  budget TEXT,
  -- {type: "cron", expression, timezone}; NULL for manual-only deployments.
  schedule TEXT,
  last_run_at TEXT,
  -- `active` | `paused`; archived deployments are `active` with archived_at set, as the API reports them.
  status TEXT NOT NULL,
  paused_reason TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  archived_at TEXT
);
CREATE INDEX deployments_workspace ON deployments (workspace_id, id);
CREATE INDEX deployments_agent ON deployments (workspace_id, agent_id, id);

-- Append-only: one row per attempt to start a session, holding either its session id or its error.
CREATE TABLE deployment_runs (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  deployment_id TEXT NOT NULL REFERENCES deployments(id),
  -- {type: "agent", id, version} at fire time.
  agent TEXT NOT NULL,
  trigger_type TEXT NOT NULL,
  scheduled_at TEXT,
  session_id TEXT,
  error TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX deployment_runs_workspace ON deployment_runs (workspace_id, id);
CREATE INDEX deployment_runs_deployment ON deployment_runs (workspace_id, deployment_id, id);
-- At most one run per scheduled instant, however often an alarm is retried.
CREATE UNIQUE INDEX deployment_runs_scheduled ON deployment_runs (deployment_id, scheduled_at) WHERE scheduled_at IS NOT NULL;
