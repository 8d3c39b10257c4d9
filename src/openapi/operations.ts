import { z } from "zod";
import { uploadFields } from "../schemas/files";
import { createSkillFields, createVersionFields } from "../schemas/skills";
import { stopBody } from "../schemas/work";
import { bytes, created, deleted, events, json, list, one, sse, websocket, type Returns } from "./responses";
import { apiObject, binaryFile, multipartForm } from "./schemas";

/**
 * What each route does and answers, keyed by `METHOD path` as Hono registers it. The request side (query, body)
 * is not written here: it comes from the zod schemas the route validates with. The OpenAPI test checks that this
 * table and the routes the app answers are the same set, so a route cannot go undocumented.
 */
export interface Operation {
  summary: string;
  returns: Returns;
  description?: string;
  /** A body the route reads itself (multipart, optional JSON); validated bodies are documented by `validate()`. */
  body?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  /** Parameters the route reads itself (the event streams); validated queries are documented by `validate()`. */
  parameters?: Record<string, unknown>[];
}

/** What the event streams read: where to resume, and which deltas to preview (`openStream` in session-events.ts). */
const streamParameters = [
  { in: "query", name: "after_id", required: false, description: "Resume after this event id.", schema: { type: "string" } },
  { in: "header", name: "Last-Event-ID", required: false, description: "Resume after this event id (what EventSource sends on reconnect).", schema: { type: "string" } },
  {
    in: "query",
    name: "event_deltas[]",
    required: false,
    description: "Preview deltas of these event types while they are produced.",
    schema: { type: "array", items: { type: "string", enum: ["agent.message", "agent.thinking"] } },
  },
];

const multipart = (files: Record<string, Record<string, unknown>>, fields: z.ZodType) => ({
  required: true,
  content: { "multipart/form-data": { schema: multipartForm(files, fields) } },
});
const skillFiles = {
  "files[]": { type: "array", items: binaryFile, description: "Each part's filename is its path in the skill; or one zip." },
};

const work = apiObject("work", "BetaSelfHostedWork");
const signingSecret = { type: "object", required: ["signing_secret"], properties: { signing_secret: { type: "string" } } };

export const operations: Record<string, Operation> = {
  "GET /health": { summary: "Health check", returns: json("The Worker is up.", { type: "object", properties: { ok: { const: true } } }) },
  "GET /openapi.json": { summary: "This OpenAPI document", returns: json("The OpenAPI 3.1 document of this server.", { type: "object" }) },

  "POST /admin/workspaces": {
    summary: "Create a workspace",
    description: "A tenant. With `create_api_key` (the default) its first API key comes back once in `api_key.key`.",
    returns: created("workspace", undefined, "The workspace, and its first API key (shown once)."),
  },
  "GET /admin/workspaces": { summary: "List workspaces", returns: list("workspace") },
  "GET /admin/workspaces/:workspace_id": { summary: "Retrieve a workspace", returns: one("workspace") },
  "GET /admin/workspaces/:workspace_id/limits": {
    summary: "Retrieve a workspace's limits",
    description: "The limits in force, which the operator set, the defaults, and the workspace's current usage.",
    returns: one("workspace_limits", undefined, "The workspace's limits and usage."),
  },
  "POST /admin/workspaces/:workspace_id/limits": {
    summary: "Set a workspace's limits",
    description: "Sets the named limits (`null` returns one to its default); the workspace's quota object is told at once.",
    returns: one("workspace_limits", undefined, "The workspace's limits and usage after the change."),
  },
  "POST /admin/workspaces/:workspace_id/api_keys": { summary: "Create an API key", returns: created("api_key", undefined, "The API key; `key` is shown only here.") },
  "GET /admin/workspaces/:workspace_id/api_keys": { summary: "List API keys", description: "Prefixes only; keys are stored as SHA-256 hashes.", returns: list("api_key") },
  "POST /admin/workspaces/:workspace_id/api_keys/:key_id/revoke": { summary: "Revoke an API key", returns: one("api_key", undefined, "The revoked key.") },

  "POST /v1/agents": { summary: "Create an agent", returns: one("agent", "BetaManagedAgentsAgent") },
  "GET /v1/agents": { summary: "List agents", returns: list("agent", "BetaManagedAgentsAgent") },
  "GET /v1/agents/:agent_id": { summary: "Retrieve an agent", description: "`version` retrieves an earlier version.", returns: one("agent", "BetaManagedAgentsAgent") },
  "POST /v1/agents/:agent_id": { summary: "Update an agent", description: "Writes a new immutable version; `version` must be the current one.", returns: one("agent", "BetaManagedAgentsAgent") },
  "POST /v1/agents/:agent_id/archive": { summary: "Archive an agent", returns: one("agent", "BetaManagedAgentsAgent") },
  "GET /v1/agents/:agent_id/versions": { summary: "List an agent's versions", returns: list("agent", "BetaManagedAgentsAgent") },

  "POST /v1/environments": { summary: "Create an environment", returns: one("environment", "BetaEnvironment") },
  "GET /v1/environments": { summary: "List environments", returns: list("environment", "BetaEnvironment") },
  "GET /v1/environments/:environment_id": { summary: "Retrieve an environment", returns: one("environment", "BetaEnvironment") },
  "POST /v1/environments/:environment_id": { summary: "Update an environment", returns: one("environment", "BetaEnvironment") },
  "POST /v1/environments/:environment_id/archive": { summary: "Archive an environment", returns: one("environment", "BetaEnvironment") },
  "DELETE /v1/environments/:environment_id": { summary: "Delete an environment", returns: deleted("environment") },
  "POST /v1/environments/:environment_id/keys": { summary: "Create an environment key", description: "For a self-hosted worker; `key` is shown only here.", returns: created("environment_key", undefined, "The environment key; `key` is shown only here.") },
  "GET /v1/environments/:environment_id/keys": { summary: "List environment keys", returns: list("environment_key") },
  "GET /v1/environments/:environment_id/keys/:key_id": { summary: "Retrieve an environment key", returns: one("environment_key") },
  "POST /v1/environments/:environment_id/keys/:key_id/revoke": { summary: "Revoke an environment key", returns: one("environment_key", undefined, "The revoked key.") },
  "GET /v1/environments/:environment_id/work/poll": {
    summary: "Poll for work",
    description: "Long-polls (`block_ms`) the self-hosted environment's queue; a work item carries a sessions token for its one session in `secret`.",
    returns: json("A work item, or `null` when none arrived in time.", { oneOf: [work, { type: "null" }] }),
  },
  "GET /v1/environments/:environment_id/work/stats": { summary: "Work queue statistics", returns: one("work_queue_stats", "BetaSelfHostedWorkQueueStats") },
  "GET /v1/environments/:environment_id/work": { summary: "List work items", returns: list("work", "BetaSelfHostedWork") },
  "GET /v1/environments/:environment_id/work/:work_id": { summary: "Retrieve a work item", returns: one("work", "BetaSelfHostedWork") },
  "POST /v1/environments/:environment_id/work/:work_id": { summary: "Update a work item", returns: one("work", "BetaSelfHostedWork") },
  "POST /v1/environments/:environment_id/work/:work_id/ack": { summary: "Acknowledge a work item", returns: one("work", "BetaSelfHostedWork") },
  "POST /v1/environments/:environment_id/work/:work_id/heartbeat": {
    summary: "Heartbeat a work item's lease",
    description: "412 `precondition_failed_error` (`details.error_code: heartbeat_precondition_failed`) when the lease moved on.",
    returns: one("work_heartbeat", "BetaSelfHostedWorkHeartbeatResponse"),
  },
  "POST /v1/environments/:environment_id/work/:work_id/stop": {
    summary: "Stop a work item",
    description: "A user's stop asks the worker to drain (`force` ends it now); the worker's own stop ends the item.",
    returns: one("work", "BetaSelfHostedWork"),
    body: { required: false, content: { "application/json": { schema: z.toJSONSchema(stopBody) as Record<string, unknown> } } },
  },

  "POST /v1/vaults": { summary: "Create a vault", returns: one("vault", "BetaManagedAgentsVault") },
  "GET /v1/vaults": { summary: "List vaults", returns: list("vault", "BetaManagedAgentsVault") },
  "GET /v1/vaults/:vault_id": { summary: "Retrieve a vault", returns: one("vault", "BetaManagedAgentsVault") },
  "POST /v1/vaults/:vault_id": { summary: "Update a vault", returns: one("vault", "BetaManagedAgentsVault") },
  "DELETE /v1/vaults/:vault_id": { summary: "Delete a vault", returns: deleted("vault") },
  "POST /v1/vaults/:vault_id/archive": { summary: "Archive a vault", returns: one("vault", "BetaManagedAgentsVault") },
  "POST /v1/vaults/:vault_id/credentials": { summary: "Create a credential", description: "Secrets are write-only: no answer ever contains them.", returns: one("vault_credential", "BetaManagedAgentsCredential") },
  "GET /v1/vaults/:vault_id/credentials": { summary: "List credentials", returns: list("vault_credential", "BetaManagedAgentsCredential") },
  "GET /v1/vaults/:vault_id/credentials/:credential_id": { summary: "Retrieve a credential", returns: one("vault_credential", "BetaManagedAgentsCredential") },
  "POST /v1/vaults/:vault_id/credentials/:credential_id": { summary: "Update a credential", returns: one("vault_credential", "BetaManagedAgentsCredential") },
  "DELETE /v1/vaults/:vault_id/credentials/:credential_id": { summary: "Delete a credential", returns: deleted("vault_credential") },
  "POST /v1/vaults/:vault_id/credentials/:credential_id/archive": { summary: "Archive a credential", returns: one("vault_credential", "BetaManagedAgentsCredential") },
  "POST /v1/vaults/:vault_id/credentials/:credential_id/mcp_oauth_validate": {
    summary: "Validate an MCP OAuth credential",
    returns: one("vault_credential_validation", "BetaManagedAgentsCredentialValidation", "The validation result."),
  },

  "POST /v1/files": { summary: "Upload a file", description: "Multipart, streamed into R2; `MAX_UPLOAD_BYTES` bounds it (413 past it), the workspace's `max_storage_bytes` all its files and skill versions (400 `storage_quota_exceeded`).", returns: one("file", "BetaFileMetadata"), body: multipart({ file: binaryFile }, uploadFields) },
  "GET /v1/files": { summary: "List files", returns: list("file", "BetaFileMetadata") },
  "GET /v1/files/:file_id": { summary: "Retrieve a file's metadata", returns: one("file", "BetaFileMetadata") },
  "GET /v1/files/:file_id/content": { summary: "Download a file", returns: bytes("The file's bytes, with its media type.") },
  "DELETE /v1/files/:file_id": { summary: "Delete a file", returns: deleted("file") },

  "POST /v1/skills": { summary: "Create a skill", description: "Multipart `files[]` (each named by its path, a SKILL.md at the top) or one zip; 8 MiB at most, within the workspace's `max_storage_bytes` (400 `storage_quota_exceeded`).", returns: one("skill", "BetaSkill"), body: multipart(skillFiles, createSkillFields) },
  "GET /v1/skills": { summary: "List skills", returns: list("skill", "BetaSkill") },
  "GET /v1/skills/:skill_id": { summary: "Retrieve a skill", returns: one("skill", "BetaSkill") },
  "DELETE /v1/skills/:skill_id": { summary: "Delete a skill", returns: deleted("skill") },
  "POST /v1/skills/:skill_id/versions": { summary: "Create a skill version", description: "As a skill's first upload: 8 MiB at most, within the workspace's `max_storage_bytes`.", returns: one("skill_version", "BetaSkillVersion"), body: multipart(skillFiles, createVersionFields) },
  "GET /v1/skills/:skill_id/versions": { summary: "List skill versions", returns: list("skill_version", "BetaSkillVersion") },
  "GET /v1/skills/:skill_id/versions/:version": { summary: "Retrieve a skill version", returns: one("skill_version", "BetaSkillVersion") },
  "GET /v1/skills/:skill_id/versions/:version/content": { summary: "Download a skill version", returns: bytes("The version's files as one zip.", "application/zip") },
  "DELETE /v1/skills/:skill_id/versions/:version": { summary: "Delete a skill version", returns: deleted("skill_version") },

  "POST /v1/sessions": { summary: "Create a session", returns: one("session", "BetaManagedAgentsSession") },
  "GET /v1/sessions": { summary: "List sessions", returns: list("session", "BetaManagedAgentsSession") },
  "GET /v1/sessions/:session_id": { summary: "Retrieve a session", description: "Its status, usage and stats.", returns: one("session", "BetaManagedAgentsSession") },
  "POST /v1/sessions/:session_id": { summary: "Update a session", returns: one("session", "BetaManagedAgentsSession") },
  "POST /v1/sessions/:session_id/archive": { summary: "Archive a session", returns: one("session", "BetaManagedAgentsSession") },
  "DELETE /v1/sessions/:session_id": { summary: "Delete a session", returns: deleted("session") },
  "POST /v1/sessions/:session_id/events": {
    summary: "Send events",
    description: "`user.message`, `user.interrupt`, `user.tool_confirmation`, `user.custom_tool_result`, `user.define_outcome`. Acknowledged events are durable.",
    returns: json("The events as appended to the log, with their ids.", { type: "object", required: ["data"], properties: { data: { type: "array", items: apiObject(null, "BetaManagedAgentsSessionEvent", "A session event") } } }),
  },
  "GET /v1/sessions/:session_id/events": { summary: "List events", returns: events("A page of the session's events, oldest first.") },
  "GET /v1/sessions/:session_id/events/stream": {
    summary: "Stream events (SSE)",
    description: "Resumable with `Last-Event-ID` or `?after_id=`; `event_deltas[]` (`agent.message`, `agent.thinking`) opts into previews.",
    returns: sse("Server-sent events, one session event per message, live until the client disconnects."),
    parameters: streamParameters,
  },
  "GET /v1/sessions/:session_id/events/ws": {
    summary: "Stream events (WebSocket)",
    description: "The same stream over a WebSocket, one JSON event per message, resumable with `?after_id=`. Browsers pass the key as the subprotocol `x-api-key.<key>` next to `managed-agents`.",
    returns: websocket("Switching to the WebSocket protocol."),
    parameters: streamParameters.filter((p) => p.name !== "Last-Event-ID"),
  },
  "POST /v1/sessions/:session_id/resources": { summary: "Add a session resource", returns: one(["file", "github_repository", "memory_store"], "BetaManagedAgentsSessionResource") },
  "GET /v1/sessions/:session_id/resources": { summary: "List session resources", returns: list(["file", "github_repository", "memory_store"], "BetaManagedAgentsSessionResource") },
  "GET /v1/sessions/:session_id/resources/:resource_id": { summary: "Retrieve a session resource", returns: one(["file", "github_repository", "memory_store"], "BetaManagedAgentsSessionResource") },
  "POST /v1/sessions/:session_id/resources/:resource_id": { summary: "Update a session resource", returns: one(["file", "github_repository", "memory_store"], "BetaManagedAgentsSessionResource") },
  "DELETE /v1/sessions/:session_id/resources/:resource_id": { summary: "Remove a session resource", returns: deleted("session_resource") },
  "GET /v1/sessions/:session_id/threads": { summary: "List threads", returns: list("session_thread", "BetaManagedAgentsSessionThread") },
  "GET /v1/sessions/:session_id/threads/:thread_id": { summary: "Retrieve a thread", returns: one("session_thread", "BetaManagedAgentsSessionThread") },
  "POST /v1/sessions/:session_id/threads/:thread_id/archive": { summary: "Archive a thread", returns: one("session_thread", "BetaManagedAgentsSessionThread") },
  "GET /v1/sessions/:session_id/threads/:thread_id/events": { summary: "List a thread's events", returns: events("A page of the thread's events, oldest first.") },
  "GET /v1/sessions/:session_id/threads/:thread_id/stream": { summary: "Stream a thread's events (SSE)", returns: sse("Server-sent events of the one thread."), parameters: streamParameters },

  "POST /v1/memory_stores": { summary: "Create a memory store", returns: one("memory_store", "BetaManagedAgentsMemoryStore") },
  "GET /v1/memory_stores": { summary: "List memory stores", returns: list("memory_store", "BetaManagedAgentsMemoryStore") },
  "GET /v1/memory_stores/:memory_store_id": { summary: "Retrieve a memory store", returns: one("memory_store", "BetaManagedAgentsMemoryStore") },
  "POST /v1/memory_stores/:memory_store_id": { summary: "Update a memory store", returns: one("memory_store", "BetaManagedAgentsMemoryStore") },
  "DELETE /v1/memory_stores/:memory_store_id": { summary: "Delete a memory store", returns: deleted("memory_store") },
  "POST /v1/memory_stores/:memory_store_id/archive": { summary: "Archive a memory store", returns: one("memory_store", "BetaManagedAgentsMemoryStore") },
  "POST /v1/memory_stores/:memory_store_id/memories": { summary: "Create a memory", returns: one("memory", "BetaManagedAgentsMemory") },
  "GET /v1/memory_stores/:memory_store_id/memories": { summary: "List memories", description: "Memories and, with `depth`, the path prefixes below it.", returns: list(["memory", "memory_prefix"], "BetaManagedAgentsMemoryListItem") },
  "GET /v1/memory_stores/:memory_store_id/memories/:memory_id": { summary: "Retrieve a memory", returns: one("memory", "BetaManagedAgentsMemory") },
  "POST /v1/memory_stores/:memory_store_id/memories/:memory_id": { summary: "Update a memory", description: "Preconditions (`content_sha256`) answer 409 on a mismatch.", returns: one("memory", "BetaManagedAgentsMemory") },
  "DELETE /v1/memory_stores/:memory_store_id/memories/:memory_id": { summary: "Delete a memory", returns: deleted("memory") },
  "GET /v1/memory_stores/:memory_store_id/memory_versions": { summary: "List memory versions", returns: list("memory_version", "BetaManagedAgentsMemoryVersion") },
  "GET /v1/memory_stores/:memory_store_id/memory_versions/:memory_version_id": { summary: "Retrieve a memory version", returns: one("memory_version", "BetaManagedAgentsMemoryVersion") },
  "POST /v1/memory_stores/:memory_store_id/memory_versions/:memory_version_id/redact": { summary: "Redact a memory version", returns: one("memory_version", "BetaManagedAgentsMemoryVersion") },

  "POST /v1/organizations/webhooks": { summary: "Create a webhook endpoint", description: "The signing secret comes back once in `signing_secret`.", returns: json("The endpoint and its signing secret.", apiObject(null, undefined, "A webhook endpoint")) },
  "GET /v1/organizations/webhooks": { summary: "List webhook endpoints", returns: json("A page of webhook endpoints.", { type: "object", required: ["data"], properties: { data: { type: "array", items: apiObject(null, undefined, "A webhook endpoint") }, next_page: { type: ["string", "null"] } } }) },
  "GET /v1/organizations/webhooks/:webhook_endpoint_id": { summary: "Retrieve a webhook endpoint", returns: json("The webhook endpoint.", apiObject(null, undefined, "A webhook endpoint")) },
  "POST /v1/organizations/webhooks/:webhook_endpoint_id": { summary: "Update a webhook endpoint", returns: json("The webhook endpoint.", apiObject(null, undefined, "A webhook endpoint")) },
  "DELETE /v1/organizations/webhooks/:webhook_endpoint_id": { summary: "Delete a webhook endpoint", returns: deleted("webhook_endpoint") },
  "POST /v1/organizations/webhooks/:webhook_endpoint_id/regenerate_signing_secret": { summary: "Regenerate the signing secret", returns: json("The new signing secret, shown once.", signingSecret) },
  "GET /v1/organizations/webhooks/:webhook_endpoint_id/deliveries": { summary: "List deliveries", description: "The delivery log: attempts, statuses, retries.", returns: list("webhook_delivery") },

  "POST /v1/deployments": { summary: "Create a deployment", returns: one("deployment", "BetaManagedAgentsDeployment") },
  "GET /v1/deployments": { summary: "List deployments", returns: list("deployment", "BetaManagedAgentsDeployment") },
  "GET /v1/deployments/:deployment_id": { summary: "Retrieve a deployment", returns: one("deployment", "BetaManagedAgentsDeployment") },
  "POST /v1/deployments/:deployment_id": { summary: "Update a deployment", returns: one("deployment", "BetaManagedAgentsDeployment") },
  "POST /v1/deployments/:deployment_id/archive": { summary: "Archive a deployment", returns: one("deployment", "BetaManagedAgentsDeployment") },
  "POST /v1/deployments/:deployment_id/pause": { summary: "Pause a deployment", returns: one("deployment", "BetaManagedAgentsDeployment") },
  "POST /v1/deployments/:deployment_id/unpause": { summary: "Unpause a deployment", returns: one("deployment", "BetaManagedAgentsDeployment") },
  "POST /v1/deployments/:deployment_id/run": { summary: "Run a deployment now", returns: one("deployment_run", "BetaManagedAgentsDeploymentRun") },
  "POST /v1/dreams": { summary: "Start a dream", description: "Reorganizes a memory store from sessions' transcripts, run by a Durable Object in steps.", returns: one("dream", "BetaDream") },
  "GET /v1/dreams": { summary: "List dreams", returns: list("dream", "BetaDream") },
  "GET /v1/dreams/:dream_id": { summary: "Retrieve a dream", returns: one("dream", "BetaDream") },
  "POST /v1/dreams/:dream_id/cancel": { summary: "Cancel a dream", returns: one("dream", "BetaDream") },
  "POST /v1/dreams/:dream_id/archive": { summary: "Archive a dream", returns: one("dream", "BetaDream") },

  "POST /v1/tunnels": { summary: "Create a tunnel", description: "A private network an MCP connector dials out from.", returns: one("tunnel", "BetaTunnel") },
  "GET /v1/tunnels": { summary: "List tunnels", returns: list("tunnel", "BetaTunnel") },
  "GET /v1/tunnels/:tunnel_id": { summary: "Retrieve a tunnel", returns: one("tunnel", "BetaTunnel") },
  "POST /v1/tunnels/:tunnel_id/archive": { summary: "Archive a tunnel", returns: one("tunnel", "BetaTunnel") },
  "POST /v1/tunnels/:tunnel_id/reveal_token": { summary: "Reveal a tunnel's token", returns: one("tunnel_token", "BetaTunnelToken", "The connector's current token.") },
  "POST /v1/tunnels/:tunnel_id/rotate_token": { summary: "Rotate a tunnel's token", returns: one("tunnel_token", "BetaTunnelToken", "The new token; the old one stops working.") },
  "POST /v1/tunnels/:tunnel_id/certificates": { summary: "Add a tunnel certificate", returns: one("tunnel_certificate", "BetaTunnelCertificate") },
  "GET /v1/tunnels/:tunnel_id/certificates": { summary: "List tunnel certificates", returns: list("tunnel_certificate", "BetaTunnelCertificate") },
  "GET /v1/tunnels/:tunnel_id/certificates/:certificate_id": { summary: "Retrieve a tunnel certificate", returns: one("tunnel_certificate", "BetaTunnelCertificate") },
  "POST /v1/tunnels/:tunnel_id/certificates/:certificate_id/archive": { summary: "Archive a tunnel certificate", returns: one("tunnel_certificate", "BetaTunnelCertificate") },
  "GET /tunnels/connect": {
    summary: "Connect a tunnel connector",
    description: "Where `managed-agents-tunnel` dials in: a WebSocket upgrade with the tunnel's token; 426 without the upgrade.",
    returns: websocket("Switching to the WebSocket protocol."),
  },

  "GET /v1/deployment_runs": { summary: "List deployment runs", returns: list("deployment_run", "BetaManagedAgentsDeploymentRun") },
  "GET /v1/deployment_runs/:deployment_run_id": { summary: "Retrieve a deployment run", returns: one("deployment_run", "BetaManagedAgentsDeploymentRun") },
};
