-- MCP tunnels: a connector the customer runs dials out to the deployment and carries the brain's MCP requests for
-- the tunnel's hostnames to servers in the customer's private network. Each tunnel's live connectors are held by
-- its TunnelRelay Durable Object; these rows are the resource the API serves.
CREATE TABLE tunnels (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  display_name TEXT,
  -- Globally unique and never reused: archived rows keep theirs.
  domain TEXT NOT NULL UNIQUE,
  -- Identifies the current connector token (the token itself is derived, never stored); changes on rotation.
  token_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  archived_at TEXT
);
CREATE INDEX tunnels_workspace ON tunnels (workspace_id, id);

CREATE TABLE tunnel_certificates (
  id TEXT PRIMARY KEY NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  tunnel_id TEXT NOT NULL REFERENCES tunnels(id),
  ca_certificate_pem TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  expires_at TEXT,
  created_at TEXT NOT NULL,
  archived_at TEXT
);
CREATE INDEX tunnel_certificates_tunnel ON tunnel_certificates (tunnel_id, id);

-- Every rotation, with its optional reason: the audit trail the rotate endpoint's `reason` is recorded in.
CREATE TABLE tunnel_token_rotations (
  id TEXT PRIMARY KEY NOT NULL,
  tunnel_id TEXT NOT NULL REFERENCES tunnels(id),
  previous_token_id TEXT NOT NULL,
  reason TEXT,
  created_at TEXT NOT NULL
);
