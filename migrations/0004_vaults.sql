-- Vaults and their credentials. Secrets live only in vault_credentials.secrets as an
-- AES-GCM envelope (src/lib/secret-box.ts); every other column is safe to return.
CREATE TABLE vaults (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  display_name TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  archived_at TEXT
);
CREATE INDEX vaults_workspace ON vaults (workspace_id, id);

CREATE TABLE vault_credentials (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  vault_id TEXT NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,
  display_name TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  auth_type TEXT NOT NULL,
  -- What a credential is matched on at session time: the MCP server (static_bearer,
  -- mcp_oauth) or the sandbox variable name (environment_variable). Immutable.
  mcp_server_url TEXT,
  secret_name TEXT,
  -- The non-secret half of `auth`, exactly as the API renders it.
  auth TEXT NOT NULL,
  -- Encrypted secrets; NULL once archived (archiving purges them).
  secrets TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  archived_at TEXT
);
CREATE INDEX vault_credentials_workspace ON vault_credentials (workspace_id, vault_id, id);
-- One active credential per MCP server / variable name in a vault: session-time matching
-- must never have to pick between two.
CREATE UNIQUE INDEX vault_credentials_active_mcp_server ON vault_credentials (vault_id, mcp_server_url)
  WHERE archived_at IS NULL AND mcp_server_url IS NOT NULL;
CREATE UNIQUE INDEX vault_credentials_active_secret_name ON vault_credentials (vault_id, secret_name)
  WHERE archived_at IS NULL AND secret_name IS NOT NULL;
