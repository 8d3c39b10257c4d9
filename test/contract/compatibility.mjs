/**
 * What this server does with each part of the official SDK's managed-agents surface. The contract test
 * (test/contract/sdk-coverage.test.ts) enumerates the installed SDK's methods, stream event types, typed errors and
 * enums and fails on anything not listed here, on a "served" entry the server does not route or produce, and on a
 * "not served" entry it does. `docs/compatibility.md` is rendered from this file (`node scripts/compatibility.mjs`)
 * and the test checks it is current.
 *
 * Plain JS so the render script runs under Node without a build step.
 */

/** @typedef {{ status: "served" } | { status: "differs", how: string } | { status: "helper", test: string } | { status: "not_served", why: string }} MethodEntry */

const DREAM_SESSION = "No session runs a dream here (each runs in its own DreamRunner Durable Object), so `session_id` stays `null`.";
const ORG_WEBHOOKS =
  "An organization is a workspace here. `enabled_events` takes exactly the SDK's organization event types; the workspace events (agents, sessions, deployments...) this server also delivers are subscribed with the extra field `workspace_events`.";
const OLD_SKILLS_BETA_DELETE =
  "With `skills-2025-10-02` (SDKs before 0.122), which refused to delete a skill that still had versions, a skill's last version still cannot be deleted on its own (409): delete the skill, which takes its versions.";

/** @type {Record<string, MethodEntry>} */
export const METHODS = {
  "beta.agents.create": { status: "served" },
  "beta.agents.retrieve": { status: "served" },
  "beta.agents.update": { status: "served" },
  "beta.agents.list": { status: "served" },
  "beta.agents.archive": { status: "served" },
  "beta.agents.versions.list": { status: "served" },
  "beta.environments.create": { status: "served" },
  "beta.environments.retrieve": { status: "served" },
  "beta.environments.update": { status: "served" },
  "beta.environments.list": { status: "served" },
  "beta.environments.delete": { status: "served" },
  "beta.environments.archive": { status: "served" },
  "beta.environments.work.retrieve": { status: "served" },
  "beta.environments.work.update": { status: "served" },
  "beta.environments.work.list": { status: "served" },
  "beta.environments.work.ack": { status: "served" },
  "beta.environments.work.heartbeat": { status: "served" },
  "beta.environments.work.poll": { status: "served" },
  "beta.environments.work.stats": { status: "served" },
  "beta.environments.work.stop": { status: "served" },
  "beta.environments.work.poller": { status: "helper", test: "test/e2e/sdk-runners.test.ts" },
  "beta.environments.work.worker": { status: "helper", test: "test/e2e/sdk-runners.test.ts" },
  "beta.sessions.create": { status: "served" },
  "beta.sessions.retrieve": { status: "served" },
  "beta.sessions.update": { status: "served" },
  "beta.sessions.list": { status: "served" },
  "beta.sessions.delete": { status: "served" },
  "beta.sessions.archive": { status: "served" },
  "beta.sessions.events.list": { status: "served" },
  "beta.sessions.events.send": { status: "served" },
  "beta.sessions.events.stream": { status: "served" },
  "beta.sessions.events.toolRunner": { status: "helper", test: "test/e2e/sdk-runners.test.ts" },
  "beta.sessions.resources.retrieve": { status: "served" },
  "beta.sessions.resources.update": { status: "served" },
  "beta.sessions.resources.list": { status: "served" },
  "beta.sessions.resources.delete": { status: "served" },
  "beta.sessions.resources.add": { status: "served" },
  "beta.sessions.threads.retrieve": { status: "served" },
  "beta.sessions.threads.list": { status: "served" },
  "beta.sessions.threads.archive": { status: "served" },
  "beta.sessions.threads.events.list": { status: "served" },
  "beta.sessions.threads.events.stream": { status: "served" },
  "beta.vaults.create": { status: "served" },
  "beta.vaults.retrieve": { status: "served" },
  "beta.vaults.update": { status: "served" },
  "beta.vaults.list": { status: "served" },
  "beta.vaults.delete": { status: "served" },
  "beta.vaults.archive": { status: "served" },
  "beta.vaults.credentials.create": { status: "served" },
  "beta.vaults.credentials.retrieve": { status: "served" },
  "beta.vaults.credentials.update": { status: "served" },
  "beta.vaults.credentials.list": { status: "served" },
  "beta.vaults.credentials.delete": { status: "served" },
  "beta.vaults.credentials.archive": { status: "served" },
  "beta.vaults.credentials.mcpOAuthValidate": { status: "served" },
  "beta.memoryStores.create": { status: "served" },
  "beta.memoryStores.retrieve": { status: "served" },
  "beta.memoryStores.update": { status: "served" },
  "beta.memoryStores.list": { status: "served" },
  "beta.memoryStores.delete": { status: "served" },
  "beta.memoryStores.archive": { status: "served" },
  "beta.memoryStores.memories.create": { status: "served" },
  "beta.memoryStores.memories.retrieve": { status: "served" },
  "beta.memoryStores.memories.update": { status: "served" },
  "beta.memoryStores.memories.list": { status: "served" },
  "beta.memoryStores.memories.delete": { status: "served" },
  "beta.memoryStores.memoryVersions.retrieve": { status: "served" },
  "beta.memoryStores.memoryVersions.list": { status: "served" },
  "beta.memoryStores.memoryVersions.redact": { status: "served" },
  "beta.files.list": { status: "served" },
  "beta.files.delete": { status: "served" },
  "beta.files.download": {
    status: "differs",
    how: "Files you upload are downloadable too (the hosted API serves only files a session produced).",
  },
  "beta.files.retrieveMetadata": { status: "served" },
  "beta.files.upload": { status: "served" },
  "beta.skills.create": { status: "served" },
  "beta.skills.retrieve": { status: "served" },
  "beta.skills.list": {
    status: "differs",
    how: `\`source: "anthropic"\` lists nothing: this server holds no copy of Anthropic's skills (agents may still name them).`,
  },
  "beta.skills.delete": { status: "served" },
  "beta.skills.versions.create": { status: "served" },
  "beta.skills.versions.retrieve": { status: "served" },
  "beta.skills.versions.list": { status: "served" },
  "beta.skills.versions.delete": { status: "differs", how: OLD_SKILLS_BETA_DELETE },
  "beta.skills.versions.download": { status: "served" },
  "beta.deployments.create": { status: "served" },
  "beta.deployments.retrieve": { status: "served" },
  "beta.deployments.update": { status: "served" },
  "beta.deployments.list": { status: "served" },
  "beta.deployments.archive": { status: "served" },
  "beta.deployments.pause": { status: "served" },
  "beta.deployments.run": { status: "served" },
  "beta.deployments.unpause": { status: "served" },
  "beta.deploymentRuns.retrieve": { status: "served" },
  "beta.deploymentRuns.list": { status: "served" },
  "beta.dreams.create": { status: "differs", how: DREAM_SESSION },
  "beta.dreams.retrieve": { status: "differs", how: DREAM_SESSION },
  "beta.dreams.list": { status: "differs", how: DREAM_SESSION },
  "beta.dreams.archive": { status: "served" },
  "beta.dreams.cancel": { status: "served" },
  "beta.tunnels.create": { status: "served" },
  "beta.tunnels.retrieve": { status: "served" },
  "beta.tunnels.list": { status: "served" },
  "beta.tunnels.archive": { status: "served" },
  "beta.tunnels.revealToken": { status: "served" },
  "beta.tunnels.rotateToken": { status: "served" },
  "beta.tunnels.certificates.create": { status: "served" },
  "beta.tunnels.certificates.retrieve": { status: "served" },
  "beta.tunnels.certificates.list": { status: "served" },
  "beta.tunnels.certificates.archive": { status: "served" },
  "beta.webhooks.parseUnverified": { status: "helper", test: "test/webhooks.test.ts" },
  "beta.webhooks.unwrap": { status: "helper", test: "test/webhooks.test.ts" },
  "beta.organization.webhooks.create": { status: "differs", how: ORG_WEBHOOKS },
  "beta.organization.webhooks.retrieve": { status: "differs", how: ORG_WEBHOOKS },
  "beta.organization.webhooks.update": { status: "differs", how: ORG_WEBHOOKS },
  "beta.organization.webhooks.list": { status: "differs", how: ORG_WEBHOOKS },
  "beta.organization.webhooks.delete": { status: "served" },
  "beta.organization.webhooks.regenerateSigningSecret": { status: "served" },
};

/** @typedef {{ status: "produced", note?: string } | { status: "not_produced", why: string }} EventEntry */

/** @type {Record<string, EventEntry>} */
export const EVENTS = {
  "user.message": { status: "produced" },
  "user.interrupt": { status: "produced" },
  "user.tool_confirmation": { status: "produced" },
  "user.custom_tool_result": { status: "produced" },
  "user.tool_result": { status: "produced", note: "Posted by a `self_hosted` environment's worker; a cloud sandbox's results are `agent.tool_result`." },
  "user.define_outcome": { status: "produced" },
  "system.message": { status: "produced", note: "Appended to the system prompt of this and every later model request." },
  "agent.custom_tool_use": { status: "produced" },
  "agent.message": { status: "produced" },
  "agent.thinking": { status: "produced" },
  "agent.mcp_tool_use": { status: "produced" },
  "agent.mcp_tool_result": { status: "produced" },
  "agent.tool_use": { status: "produced" },
  "agent.tool_result": { status: "produced", note: "Tools the server runs: the cloud sandbox's toolset, web tools, denials, delegation." },
  "agent.thread_message_received": { status: "produced" },
  "agent.thread_message_sent": { status: "produced" },
  "agent.thread_context_compacted": { status: "produced" },
  "session.error": { status: "produced" },
  "session.status_rescheduled": { status: "produced" },
  "session.status_running": { status: "produced" },
  "session.status_idle": { status: "produced" },
  "session.status_terminated": { status: "produced", note: "On archive, and on open streams when the session is deleted." },
  "session.thread_created": { status: "produced" },
  "session.thread_status_running": { status: "produced" },
  "session.thread_status_idle": { status: "produced" },
  "session.thread_status_terminated": { status: "produced" },
  "session.thread_status_rescheduled": { status: "produced" },
  "session.updated": { status: "produced" },
  "session.deleted": { status: "produced" },
  "session.usage": {
    status: "not_produced",
    why: "Usage is on `sessions.retrieve` and on each `span.model_request_end`; periodic `session.usage` snapshots are not emitted yet.",
  },
  "span.model_request_start": { status: "produced" },
  "span.model_request_end": { status: "produced" },
  "span.outcome_evaluation_start": { status: "produced" },
  "span.outcome_evaluation_ongoing": { status: "produced" },
  "span.outcome_evaluation_end": { status: "produced" },
  "event_start": { status: "produced", note: "Stream only, with `event_deltas[]`." },
  "event_delta": { status: "produced", note: "Stream only, with `event_deltas[]`." },
  "workflow_run.created": { status: "produced" },
  "workflow_run.status_running": { status: "produced" },
  "workflow_run.status_idle": { status: "produced" },
  "workflow_run.status_ended": { status: "produced" },
  "workflow_run.error": { status: "produced" },
  "workflow_run.phase_started": { status: "produced" },
  "workflow_run.phase_ended": { status: "produced" },
};

/** @typedef {{ status: "raised" } | { status: "never", why: string }} ErrorEntry */

const NO_ORGANIZATIONS = "There are no organizations, holds or Claude Code keys here: a workspace is the tenant.";
const NO_CMEK = "Data at rest is sealed with the deployment's own key (VAULT_ENCRYPTION_KEY); there are no customer-managed keys.";

/** Typed errors (SDK `ERROR_CODE_CLASSES`) of the managed-agents modules and of the methods' `@throws`. @type {Record<string, ErrorEntry>} */
export const ERRORS = {
  BetaEnvironmentArchivedError: { status: "raised" },
  BetaEnvironmentNotFoundError: { status: "raised" },
  BetaInvalidConfigTypeChangeError: { status: "raised" },
  BetaInvalidMetadataError: { status: "raised" },
  BetaHeartbeatPreconditionFailedError: { status: "raised" },
  FileNotDownloadableError: { status: "raised" },
  BetaEnvironmentCreateDisabledError: { status: "never", why: "No operator switch disables creating environments." },
  BetaEnvironmentUpdateDisabledError: { status: "never", why: "No operator switch disables updating environments." },
  FileExpiredError: { status: "never", why: "Files do not expire here." },
  StorageQuotaExceededError: { status: "raised" },
  SkillReadBlockedUndecryptableError: { status: "never", why: NO_CMEK },
  OrganizationOnHoldError: { status: "never", why: NO_ORGANIZATIONS },
  ClaudeCodeKeyCreatorNotMemberError: { status: "never", why: NO_ORGANIZATIONS },
  CMEKKeyDisabledError: { status: "never", why: NO_CMEK },
  CMEKKeyNetworkBlockedError: { status: "never", why: NO_CMEK },
  CMEKContextUnavailableError: { status: "never", why: NO_CMEK },
  SandboxEgressRestrictedError: { status: "never", why: "Egress is governed per environment (`networking`), not by an organization policy." },
};

const cell = (text) => String(text).replace(/\|/g, "\\|").replace(/\n/g, " ");
const methodCell = (e) =>
  e.status === "served" ? "✅ served" : e.status === "helper" ? `✅ client helper, run end to end (\`${e.test}\`)` : e.status === "differs" ? `⚠️ differs: ${e.how}` : `❌ not served: ${e.why}`;
const eventCell = (e) => (e.status === "produced" ? `✅ produced${e.note ? `: ${e.note}` : ""}` : `❌ not produced: ${e.why}`);
const errorCell = (e) => (e.status === "raised" ? "✅ raised" : `➖ never raised: ${e.why}`);

/** `docs/compatibility.md`, rendered from the tables above and the SDK version they were checked against. */
export function renderCompatibility(sdkVersion) {
  const count = (table, status) => Object.values(table).filter((e) => e.status === status).length;
  const lines = [
    "# Compatibility with the official SDK",
    "",
    `Checked against \`@anthropic-ai/sdk\` **${sdkVersion}** by \`test/contract/sdk-coverage.test.ts\`, which enumerates the installed`,
    "package's managed-agents methods (walking `client.beta.*`), stream event types and typed errors, calls every method through",
    "the SDK against the Worker, and fails on anything this table does not list or lists wrongly. Generated from",
    "`test/contract/compatibility.mjs` with `node scripts/compatibility.mjs`; do not edit by hand.",
    "",
    `Methods: ${count(METHODS, "served") + count(METHODS, "helper")} served, ${count(METHODS, "differs")} differ, ${count(METHODS, "not_served")} not served (of ${Object.keys(METHODS).length}).`,
    `Stream event types: ${count(EVENTS, "produced")} produced, ${count(EVENTS, "not_produced")} not produced (of ${Object.keys(EVENTS).length}).`,
    "",
    "## Methods",
    "",
    "| method | status |",
    "| --- | --- |",
    ...Object.entries(METHODS).map(([name, e]) => `| \`client.${name}\` | ${cell(methodCell(e))} |`),
    "",
    "## Stream event types",
    "",
    "| event type | status |",
    "| --- | --- |",
    ...Object.entries(EVENTS).map(([type, e]) => `| \`${type}\` | ${cell(eventCell(e))} |`),
    "",
    "## Typed errors",
    "",
    "| SDK error class | status |",
    "| --- | --- |",
    ...Object.entries(ERRORS).map(([name, e]) => `| \`${name}\` | ${cell(errorCell(e))} |`),
    "",
  ];
  return lines.join("\n");
}
