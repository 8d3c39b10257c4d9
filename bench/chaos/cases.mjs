// The chaos checks that need no process control, shared by `npm run chaos` (over HTTP against wrangler dev)
// and test/chaos-short.test.ts (in workerd): the route catalogue, a world of one of everything per tenant,
// the malformed-request generator, state snapshots and the tenant-isolation sweep.
// Plain JS with no Node or Workers imports: everything goes through the `send` function the caller passes,
// `send({ method, path, headers, body }) → Promise<{ status, contentType, text }>` (stream bodies cancelled).

// A world's tunnel holds this throwaway test CA's certificate.
import { CA_PEM as TUNNEL_CA_PEM } from "../../test/fixtures/tunnel-ca.mjs";

/** Every beta the routes answer to (webhooks answer 404 without theirs, memory accepts either). */
export const BETA = "managed-agents-2026-04-01,webhooks-2026-10-07,dreaming-2026-04-21,mcp-tunnels-2026-06-22";

/**
 * Every route of the app. `{name}` marks a path parameter, filled from a world's ids. `body` builds a valid
 * body (the base the generator breaks); `required` lists its required top-level fields. `list` routes accept
 * the PageCursor query. `hands` routes exist only with the self-hosted work queue; `admin` ones take the admin token.
 */
export const ROUTES = [
  // admin (operator API)
  { method: "POST", path: "/admin/workspaces", admin: true, body: () => ({ name: "fuzz" }), required: ["name"] },
  { method: "GET", path: "/admin/workspaces", admin: true, list: true },
  { method: "GET", path: "/admin/workspaces/{workspace}", admin: true },
  { method: "POST", path: "/admin/workspaces/{workspace}/api_keys", admin: true, body: () => ({ name: "fuzz" }) },
  { method: "GET", path: "/admin/workspaces/{workspace}/api_keys", admin: true, list: true },
  { method: "POST", path: "/admin/workspaces/{workspace}/api_keys/{api_key}/revoke", admin: true },
  { method: "GET", path: "/admin/workspaces/{workspace}/limits", admin: true },
  // A valid body that changes nothing the fuzz relies on (the test stacks' own default is higher still).
  { method: "POST", path: "/admin/workspaces/{workspace}/limits", admin: true, body: () => ({ max_events_per_session: 1_000_000 }) },
  // agents
  { method: "POST", path: "/v1/agents", body: () => ({ name: "fuzz", model: "claude-fake-1" }), required: ["name", "model"] },
  { method: "GET", path: "/v1/agents", list: true, query: { include_archived: "maybe", "created_at[gte]": "yesterday" } },
  { method: "GET", path: "/v1/agents/{agent}", query: { version: "first" } },
  { method: "POST", path: "/v1/agents/{agent}", body: () => ({ version: 1, name: "fuzz-renamed", description: "d" }) },
  { method: "POST", path: "/v1/agents/{agent}/archive" },
  { method: "GET", path: "/v1/agents/{agent}/versions", list: true },
  // environments (+ hands: keys and work)
  { method: "POST", path: "/v1/environments", body: () => ({ name: "fuzz-env" }), required: ["name"] },
  { method: "GET", path: "/v1/environments", list: true, query: { include_archived: "maybe" } },
  { method: "GET", path: "/v1/environments/{environment}" },
  { method: "POST", path: "/v1/environments/{environment}", body: () => ({ description: "d", metadata: { k: "v" } }) },
  { method: "POST", path: "/v1/environments/{environment}/archive" },
  { method: "DELETE", path: "/v1/environments/{environment}" },
  { method: "POST", path: "/v1/environments/{hosted_environment}/keys", hands: true, body: () => ({ name: "fuzz" }) },
  { method: "GET", path: "/v1/environments/{hosted_environment}/keys", hands: true, list: true },
  { method: "GET", path: "/v1/environments/{hosted_environment}/keys/{environment_key}", hands: true },
  { method: "POST", path: "/v1/environments/{hosted_environment}/keys/{environment_key}/revoke", hands: true },
  { method: "GET", path: "/v1/environments/{hosted_environment}/work/poll", hands: true, query: { block_ms: "forever" } },
  { method: "GET", path: "/v1/environments/{hosted_environment}/work/stats", hands: true },
  // work.list takes the environment key only (the SDK's rule): an API key is refused whoever's it is.
  { method: "GET", path: "/v1/environments/{hosted_environment}/work", hands: true, list: true, environmentKeyOnly: true },
  { method: "POST", path: "/v1/environments/{hosted_environment}/work/{work}/ack", hands: true },
  { method: "POST", path: "/v1/environments/{hosted_environment}/work/{work}/heartbeat", hands: true, query: { desired_ttl_seconds: "long" } },
  { method: "POST", path: "/v1/environments/{hosted_environment}/work/{work}/stop", hands: true, body: () => ({ force: true }) },
  { method: "GET", path: "/v1/environments/{hosted_environment}/work/{work}", hands: true },
  { method: "POST", path: "/v1/environments/{hosted_environment}/work/{work}", hands: true, body: () => ({ metadata: { k: "v" } }), required: ["metadata"] },
  // vaults and credentials
  { method: "POST", path: "/v1/vaults", body: () => ({ display_name: "fuzz-vault" }), required: ["display_name"] },
  { method: "GET", path: "/v1/vaults", list: true, query: { include_archived: "maybe" } },
  { method: "GET", path: "/v1/vaults/{vault}" },
  { method: "POST", path: "/v1/vaults/{vault}", body: () => ({ display_name: "renamed", metadata: { k: "v" } }) },
  { method: "DELETE", path: "/v1/vaults/{vault}" },
  { method: "POST", path: "/v1/vaults/{vault}/archive" },
  {
    method: "POST",
    path: "/v1/vaults/{vault}/credentials",
    body: () => ({ auth: { type: "static_bearer", mcp_server_url: "https://mcp.fuzz.example/mcp", token: "fuzz-token" }, display_name: "c" }),
    required: ["auth"],
  },
  { method: "GET", path: "/v1/vaults/{vault}/credentials", list: true, query: { include_archived: "maybe" } },
  { method: "GET", path: "/v1/vaults/{vault}/credentials/{credential}" },
  { method: "POST", path: "/v1/vaults/{vault}/credentials/{credential}", body: () => ({ display_name: "renamed", metadata: { k: "v" } }) },
  { method: "DELETE", path: "/v1/vaults/{vault}/credentials/{credential}" },
  { method: "POST", path: "/v1/vaults/{vault}/credentials/{credential}/archive" },
  { method: "POST", path: "/v1/vaults/{vault}/credentials/{credential}/mcp_oauth_validate" },
  // files and skills (multipart; not beta-gated, as the SDK sends no beta for them)
  { method: "POST", path: "/v1/files", multipart: "file", ungated: true },
  { method: "GET", path: "/v1/files", list: true, ungated: true },
  { method: "GET", path: "/v1/files/{file}", ungated: true },
  { method: "GET", path: "/v1/files/{file}/content", ungated: true },
  { method: "DELETE", path: "/v1/files/{file}", ungated: true },
  { method: "POST", path: "/v1/skills", multipart: "skill", ungated: true },
  { method: "GET", path: "/v1/skills", list: true, ungated: true, query: { source: "everywhere" } },
  { method: "GET", path: "/v1/skills/{skill}", ungated: true },
  { method: "DELETE", path: "/v1/skills/{skill}", ungated: true },
  { method: "POST", path: "/v1/skills/{skill}/versions", multipart: "skill", ungated: true },
  { method: "GET", path: "/v1/skills/{skill}/versions", list: true, ungated: true },
  { method: "GET", path: "/v1/skills/{skill}/versions/{skill_version}", ungated: true },
  { method: "GET", path: "/v1/skills/{skill}/versions/{skill_version}/content", ungated: true },
  { method: "DELETE", path: "/v1/skills/{skill}/versions/{skill_version}", ungated: true },
  // sessions and their events
  { method: "POST", path: "/v1/sessions", body: (w) => ({ agent: w.agent, environment_id: w.environment }), required: ["agent", "environment_id"] },
  {
    method: "GET",
    path: "/v1/sessions",
    list: true,
    query: { order: "sideways", "statuses[]": "sleeping", include_archived: "maybe", "created_at[gt]": "soon", agent_version: "latest" },
  },
  { method: "GET", path: "/v1/sessions/{session}" },
  { method: "POST", path: "/v1/sessions/{session}", body: () => ({ title: "renamed", metadata: { k: "v" } }) },
  { method: "POST", path: "/v1/sessions/{session}/archive" },
  { method: "DELETE", path: "/v1/sessions/{session}" },
  {
    method: "POST",
    path: "/v1/sessions/{session}/events",
    body: () => ({ events: [{ type: "user.message", content: [{ type: "text", text: "fuzz" }] }] }),
    required: ["events"],
  },
  { method: "GET", path: "/v1/sessions/{session}/events", list: true, query: { order: "sideways", "created_at[gte]": "later", "types[]": "" } },
  { method: "GET", path: "/v1/sessions/{session}/events/stream", stream: true, query: { "event_deltas[]": "agent.everything" } },
  { method: "GET", path: "/v1/sessions/{session}/events/ws", stream: true },
  // session resources, mid-session
  { method: "POST", path: "/v1/sessions/{session}/resources", body: (w) => ({ type: "file", file_id: w.file }), required: ["type"] },
  { method: "GET", path: "/v1/sessions/{session}/resources", list: true },
  { method: "GET", path: "/v1/sessions/{session}/resources/{session_resource}" },
  { method: "POST", path: "/v1/sessions/{session}/resources/{session_resource}", body: () => ({ authorization_token: "fuzz" }) },
  { method: "DELETE", path: "/v1/sessions/{session}/resources/{session_resource}" },
  // session threads (a single-agent session has its primary thread)
  { method: "GET", path: "/v1/sessions/{session}/threads", list: true, query: { "statuses[]": "sleeping" } },
  { method: "GET", path: "/v1/sessions/{session}/threads/{session_thread}" },
  { method: "POST", path: "/v1/sessions/{session}/threads/{session_thread}/archive" },
  { method: "GET", path: "/v1/sessions/{session}/threads/{session_thread}/events", list: true },
  { method: "GET", path: "/v1/sessions/{session}/threads/{session_thread}/stream", stream: true, query: { "event_deltas[]": "agent.everything" } },
  // memory stores, memories, versions
  { method: "POST", path: "/v1/memory_stores", body: () => ({ name: "fuzz-store" }), required: ["name"] },
  { method: "GET", path: "/v1/memory_stores", list: true, query: { include_archived: "maybe" } },
  { method: "GET", path: "/v1/memory_stores/{memory_store}" },
  { method: "POST", path: "/v1/memory_stores/{memory_store}", body: () => ({ description: "d" }) },
  { method: "DELETE", path: "/v1/memory_stores/{memory_store}" },
  { method: "POST", path: "/v1/memory_stores/{memory_store}/archive" },
  {
    method: "POST",
    path: "/v1/memory_stores/{memory_store}/memories",
    body: () => ({ path: "/fuzz/new.md", content: "fuzz" }),
    required: ["path"],
    query: { view: "everything" },
  },
  { method: "GET", path: "/v1/memory_stores/{memory_store}/memories", list: true, query: { view: "everything", depth: "deep" } },
  { method: "GET", path: "/v1/memory_stores/{memory_store}/memories/{memory}", query: { view: "everything" } },
  { method: "POST", path: "/v1/memory_stores/{memory_store}/memories/{memory}", body: () => ({ content: "changed" }) },
  { method: "DELETE", path: "/v1/memory_stores/{memory_store}/memories/{memory}" },
  { method: "GET", path: "/v1/memory_stores/{memory_store}/memory_versions", list: true },
  { method: "GET", path: "/v1/memory_stores/{memory_store}/memory_versions/{memory_version}", query: { view: "everything" } },
  { method: "POST", path: "/v1/memory_stores/{memory_store}/memory_versions/{memory_version}/redact" },
  // webhooks
  {
    method: "POST",
    path: "/v1/organizations/webhooks",
    body: () => ({ url: "https://hooks.fuzz.example/in", enabled_events: ["external_key.failed"] }),
    required: ["url", "enabled_events"],
  },
  // The SDK pages webhooks with after_id/before_id (Page), not the opaque `page` cursor.
  { method: "GET", path: "/v1/organizations/webhooks", list: true, idPaging: true },
  { method: "GET", path: "/v1/organizations/webhooks/{webhook}" },
  { method: "POST", path: "/v1/organizations/webhooks/{webhook}", body: () => ({ name: "renamed", state: "disabled" }) },
  { method: "DELETE", path: "/v1/organizations/webhooks/{webhook}" },
  { method: "POST", path: "/v1/organizations/webhooks/{webhook}/regenerate_signing_secret" },
  { method: "GET", path: "/v1/organizations/webhooks/{webhook}/deliveries", list: true, idPaging: true },
  // deployments and runs
  {
    method: "POST",
    path: "/v1/deployments",
    body: (w) => ({
      name: "fuzz-deployment",
      agent: w.agent,
      environment_id: w.environment,
      initial_events: [{ type: "user.message", content: [{ type: "text", text: "fuzz" }] }],
    }),
    required: ["name", "agent", "environment_id", "initial_events"],
  },
  { method: "GET", path: "/v1/deployments", list: true, query: { status: "asleep", include_archived: "maybe" } },
  { method: "GET", path: "/v1/deployments/{deployment}" },
  { method: "POST", path: "/v1/deployments/{deployment}", body: () => ({ name: "renamed", description: "d" }) },
  { method: "POST", path: "/v1/deployments/{deployment}/archive" },
  { method: "POST", path: "/v1/deployments/{deployment}/pause" },
  { method: "POST", path: "/v1/deployments/{deployment}/unpause" },
  { method: "POST", path: "/v1/deployments/{deployment}/run" },
  { method: "GET", path: "/v1/deployment_runs", list: true, query: { trigger_type: "whim", has_error: "perhaps" } },
  { method: "GET", path: "/v1/deployment_runs/{deployment_run}" },
  // dreams
  {
    method: "POST",
    path: "/v1/dreams",
    body: (w) => ({
      inputs: [{ type: "memory_store", memory_store_id: w.memory_store }, { type: "sessions", session_ids: [w.session] }],
      model: "claude-fake-1",
    }),
    required: ["inputs", "model"],
  },
  { method: "GET", path: "/v1/dreams", list: true, query: { include_archived: "maybe", "created_at[gt]": "yesterday" } },
  { method: "GET", path: "/v1/dreams/{dream}" },
  { method: "POST", path: "/v1/dreams/{dream}/cancel" },
  { method: "POST", path: "/v1/dreams/{dream}/archive" },
  // MCP tunnels
  { method: "POST", path: "/v1/tunnels", body: () => ({ display_name: "fuzz-tunnel" }) },
  { method: "GET", path: "/v1/tunnels", list: true, query: { include_archived: "maybe" } },
  { method: "GET", path: "/v1/tunnels/{tunnel}" },
  { method: "POST", path: "/v1/tunnels/{tunnel}/archive" },
  { method: "POST", path: "/v1/tunnels/{tunnel}/reveal_token" },
  { method: "POST", path: "/v1/tunnels/{tunnel}/rotate_token", body: () => ({ reason: "fuzz" }) },
  {
    method: "POST",
    path: "/v1/tunnels/{tunnel}/certificates",
    body: () => ({ ca_certificate_pem: TUNNEL_CA_PEM }),
    required: ["ca_certificate_pem"],
  },
  { method: "GET", path: "/v1/tunnels/{tunnel}/certificates", list: true, query: { include_archived: "maybe" } },
  { method: "GET", path: "/v1/tunnels/{tunnel}/certificates/{tunnel_certificate}" },
  { method: "POST", path: "/v1/tunnels/{tunnel}/certificates/{tunnel_certificate}/archive" },
];

/** The route list in the app's own shape (`:param`), for checking the catalogue against `app.routes`. */
export const routeKey = (method, path) => `${method} ${path.replace(/\{[^}]+\}|:[^/]+/g, ":")}`;

// ------------------------------------------------------------------------------------------------------------
// A world: one of every resource in a workspace, created through the API.

/**
 * Calls the API as `credential` (`x-api-key`, or `Authorization: Bearer` for the operator's token and the hands'
 * tokens) and never throws: `{ status, json, text }`.
 */
export function rawCaller(send, credential, { bearer = false } = {}) {
  return async (method, path, body, extraHeaders = {}) => {
    const headers = { "anthropic-beta": BETA, ...extraHeaders };
    if (bearer) headers.authorization = `Bearer ${credential}`;
    else headers["x-api-key"] = credential;
    if (body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array)) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(body);
    }
    const res = await send({ method, path, headers, body });
    let json;
    try {
      json = res.text ? JSON.parse(res.text) : undefined;
    } catch {}
    return { status: res.status, json, text: res.text };
  };
}

/** Calls the API as `apiKey` (or as the operator with `admin`), throwing on any non-2xx. */
export function caller(send, apiKey, { admin = false } = {}) {
  const call = rawCaller(send, apiKey, { bearer: admin });
  return async (method, path, body, extraHeaders = {}) => {
    const res = await call(method, path, body, extraHeaders);
    if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path} → ${res.status} ${res.text.slice(0, 300)}`);
    return res.json;
  };
}

/** A multipart body from `[name, value, filename?]` parts. */
export function multipart(parts) {
  const boundary = `----fuzz${Math.random().toString(16).slice(2)}`;
  const chunks = parts.map(
    ([name, value, filename]) =>
      `--${boundary}\r\ncontent-disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ""}\r\n` +
      `${filename ? "content-type: text/plain\r\n" : ""}\r\n${value}\r\n`,
  );
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: `${chunks.join("")}--${boundary}--\r\n` };
}

const skillMarkdown = (name) => `---\nname: ${name}\ndescription: A skill for the chaos checks\n---\n\n# ${name}\n\nDo nothing.\n`;

export const validMultipart = {
  file: () => multipart([["file", "chaos file contents", "chaos.txt"]]),
  skill: (w) => multipart([["files[]", skillMarkdown(w?.skillName ?? "chaos-skill"), `${w?.skillName ?? "chaos-skill"}/SKILL.md`]]),
};

/** Polls until the session is idle (its turn, if any, finished). */
async function waitIdle(call, sessionId, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const session = await call("GET", `/v1/sessions/${sessionId}`);
    if (session.status === "idle") return session;
    if (Date.now() > deadline) throw new Error(`session ${sessionId} still ${session.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * One of everything, so every route has a real id to aim at. Webhooks are created last and subscribe to a
 * type nothing here emits, and the deployment has no schedule: nothing changes by itself afterwards.
 */
export async function createWorld(send, { apiKey, workspaceId, adminToken, label }) {
  const call = caller(send, apiKey);
  const suffix = Math.random().toString(36).slice(2, 8);
  const agent = await call("POST", "/v1/agents", { name: `${label}-agent`, model: "claude-fake-1" });
  const environment = await call("POST", "/v1/environments", { name: `${label}-env-${suffix}` });
  const hosted = await call("POST", "/v1/environments", { name: `${label}-hosted-${suffix}`, config: { type: "self_hosted" } });
  const vault = await call("POST", "/v1/vaults", { display_name: `${label}-vault` });
  const credential = await call("POST", `/v1/vaults/${vault.id}/credentials`, {
    auth: { type: "static_bearer", mcp_server_url: `https://mcp.${label}.example/mcp`, token: "secret-token" },
  });
  const fileForm = validMultipart.file();
  const file = await call("POST", "/v1/files", fileForm.body, { "content-type": fileForm.contentType });
  const skillName = `${label}-skill-${suffix}`.toLowerCase();
  const skillForm = validMultipart.skill({ skillName });
  const skill = await call("POST", "/v1/skills", skillForm.body, { "content-type": skillForm.contentType });
  const skillVersions = await call("GET", `/v1/skills/${skill.id}/versions`);
  const store = await call("POST", "/v1/memory_stores", { name: `${label}-store` });
  const memory = await call("POST", `/v1/memory_stores/${store.id}/memories`, { path: "/notes/chaos.md", content: "hello" });
  const memoryVersions = await call("GET", `/v1/memory_stores/${store.id}/memory_versions`);
  const session = await call("POST", "/v1/sessions", { agent: agent.id, environment_id: environment.id, title: `${label} session` });
  const sessionResource = await call("POST", `/v1/sessions/${session.id}/resources`, { type: "file", file_id: file.id });
  await call("POST", `/v1/sessions/${session.id}/events`, { events: [{ type: "user.message", content: [{ type: "text", text: "hello" }] }] });
  await waitIdle(call, session.id);
  const threads = await call("GET", `/v1/sessions/${session.id}/threads`);
  const deployment = await call("POST", "/v1/deployments", {
    name: `${label}-deployment`,
    agent: agent.id,
    environment_id: environment.id,
    initial_events: [{ type: "user.message", content: [{ type: "text", text: "scheduled hello" }] }],
  });
  const run = await call("POST", `/v1/deployments/${deployment.id}/run`);
  const runSession = run.session_id ?? run.session?.id;
  if (runSession) await waitIdle(call, runSession);
  const webhook = await call("POST", "/v1/organizations/webhooks", {
    url: `https://hooks.${label}.example/in`,
    workspace_events: ["memory_store.deleted"],
  });
  const dream = await call("POST", "/v1/dreams", {
    inputs: [{ type: "memory_store", memory_store_id: store.id }, { type: "sessions", session_ids: [session.id] }],
    model: "claude-fake-1",
  });
  // Settled before anything is snapshotted: a dream still running would change state on its own.
  for (let i = 0; i < 200 && (await call("GET", `/v1/dreams/${dream.id}`)).status !== "completed"; i++) await new Promise((r) => setTimeout(r, 50));
  const tunnel = await call("POST", "/v1/tunnels", { display_name: `${label}-tunnel` });
  const tunnelCertificate = await call("POST", `/v1/tunnels/${tunnel.id}/certificates`, { ca_certificate_pem: TUNNEL_CA_PEM });
  // The hands' routes (self-hosted work queue) exist only once that branch is in.
  let environmentKey = "envkey_absent";
  let work = "work_absent";
  try {
    const key = await call("POST", `/v1/environments/${hosted.id}/keys`, { name: "chaos" });
    environmentKey = key.id;
    const items = await call("GET", `/v1/environments/${hosted.id}/work`);
    work = items.data?.[0]?.id ?? work;
  } catch {
    // no work queue in this build
  }
  let apiKeyId = "apikey_absent";
  if (adminToken) {
    const keys = await caller(send, adminToken, { admin: true })("GET", `/admin/workspaces/${workspaceId}/api_keys`);
    apiKeyId = keys.data[0].id;
  }
  return {
    apiKey,
    workspace: workspaceId,
    api_key: apiKeyId,
    agent: agent.id,
    environment: environment.id,
    hosted_environment: hosted.id,
    environment_key: environmentKey,
    work,
    vault: vault.id,
    credential: credential.id,
    file: file.id,
    skill: skill.id,
    skill_version: skillVersions.data[0].id,
    session: session.id,
    session_resource: sessionResource.id,
    session_thread: threads.data[0].id,
    memory_store: store.id,
    memory: memory.id,
    memory_version: memoryVersions.data[0].id,
    webhook: webhook.id,
    deployment: deployment.id,
    deployment_run: run.id,
    dream: dream.id,
    tunnel: tunnel.id,
    tunnel_certificate: tunnelCertificate.id,
  };
}

export const fillPath = (path, ids) => path.replace(/\{([^}]+)\}/g, (_, name) => encodeURIComponent(ids[name] ?? `${name}_missing`));

// ------------------------------------------------------------------------------------------------------------
// State snapshots: every list (archived included) and every nested list, as JSON text.

/** Fields that change with the clock alone, not with stored state. */
function stable(item) {
  if (item?.stats && "duration_seconds" in item.stats) return { ...item, stats: { ...item.stats, duration_seconds: "(clock)" } };
  return item;
}

async function listAll(send, apiKey, path, { admin = false } = {}) {
  const items = [];
  let page;
  for (let i = 0; i < 50; i++) {
    const sep = path.includes("?") ? "&" : "?";
    const res = await caller(send, apiKey, { admin })("GET", `${path}${sep}limit=100${page ? `&page=${encodeURIComponent(page)}` : ""}`);
    items.push(...res.data.map(stable));
    page = res.next_page;
    if (!page) break;
  }
  return items;
}

/** Everything a tenant can list, keyed by list path; nested lists for every parent found. */
export async function snapshot(send, apiKey, { adminToken } = {}) {
  const out = {};
  const take = async (path, options) => {
    try {
      out[path] = await listAll(send, options?.admin ? adminToken : apiKey, path, options);
    } catch (err) {
      out[path] = `error: ${String(err.message).slice(0, 200)}`;
    }
    return Array.isArray(out[path]) ? out[path] : [];
  };
  for (const agent of await take("/v1/agents?include_archived=true")) await take(`/v1/agents/${agent.id}/versions`);
  for (const environment of await take("/v1/environments?include_archived=true")) {
    if (environment.config?.type === "self_hosted") {
      await take(`/v1/environments/${environment.id}/keys`);
      await take(`/v1/environments/${environment.id}/work`);
    }
  }
  for (const vault of await take("/v1/vaults?include_archived=true")) await take(`/v1/vaults/${vault.id}/credentials?include_archived=true`);
  await take("/v1/files");
  for (const skill of await take("/v1/skills")) await take(`/v1/skills/${skill.id}/versions`);
  for (const session of await take("/v1/sessions?include_archived=true")) {
    await take(`/v1/sessions/${session.id}/events`);
    await take(`/v1/sessions/${session.id}/threads`);
  }
  for (const store of await take("/v1/memory_stores?include_archived=true")) {
    await take(`/v1/memory_stores/${store.id}/memories`);
    await take(`/v1/memory_stores/${store.id}/memory_versions`);
  }
  await take("/v1/organizations/webhooks");
  await take("/v1/deployments?include_archived=true");
  await take("/v1/deployment_runs");
  await take("/v1/dreams?include_archived=true");
  for (const tunnel of await take("/v1/tunnels?include_archived=true")) await take(`/v1/tunnels/${tunnel.id}/certificates?include_archived=true`);
  if (adminToken) {
    for (const ws of await take("/admin/workspaces", { admin: true })) await take(`/admin/workspaces/${ws.id}/api_keys`, { admin: true });
  }
  return out;
}

/** Where two snapshots differ: one line per list that changed. */
export function diffSnapshots(before, after) {
  const changes = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = JSON.stringify(before[key]);
    const b = JSON.stringify(after[key]);
    if (a !== b) changes.push(`${key}: ${describeChange(before[key], after[key])}`);
  }
  return changes;
}

function describeChange(a, b) {
  if (!Array.isArray(a) || !Array.isArray(b)) return `${JSON.stringify(a)?.slice(0, 120)} → ${JSON.stringify(b)?.slice(0, 120)}`;
  const ids = (xs) => new Map(xs.map((x) => [x.id ?? JSON.stringify(x), x]));
  const [ma, mb] = [ids(a), ids(b)];
  const added = [...mb.keys()].filter((k) => !ma.has(k));
  const removed = [...ma.keys()].filter((k) => !mb.has(k));
  const changed = [...mb.keys()].filter((k) => ma.has(k) && JSON.stringify(ma.get(k)) !== JSON.stringify(mb.get(k)));
  const fields = changed.slice(0, 3).map((k) => {
    const [x, y] = [ma.get(k), mb.get(k)];
    const keys = Object.keys({ ...x, ...y }).filter((f) => JSON.stringify(x[f]) !== JSON.stringify(y[f]));
    return `${k} (${keys.join(", ")})`;
  });
  return [added.length && `added ${added.slice(0, 5).join(", ")}`, removed.length && `removed ${removed.slice(0, 5).join(", ")}`, fields.length && `changed ${fields.join("; ")}`]
    .filter(Boolean)
    .join("; ");
}

// ------------------------------------------------------------------------------------------------------------
// The malformed-request generator. Every case is invalid on purpose: a correct server rejects it (4xx) and
// writes nothing. Seeded, so a failing case can be replayed.

export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)] };
}

const UNICODE = ["☃", "\u202e", "\u200b", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "😀".repeat(20), "\u0000", "\ud800", "é\u0301", "ﷺ", "\uffff", "\\u0000", "%00", "'; DROP TABLE sessions; --"];
const GARBAGE_IDS = ["%20", "..%2F..%2Fadmin", "x".repeat(4096), "%E2%98%83", "null", "undefined", "-1", "%00", "sesn_%F0%9F%98%80", "'%20OR%201=1--"];
const BAD_LIMITS = ["-1", "0", "abc", "1.5", "1e9", "100000", "%00", "Infinity", "NaN"];

/** A value of a different JSON type than `value` (never a string or null: both are valid in too many unions). */
function wrongTypeFor(value, r) {
  const kind = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  const options = [
    kind !== "number" && 42,
    kind !== "boolean" && true,
    kind !== "array" && [1, "two", { three: 3 }],
    kind === "number" && "not-a-number",
    kind === "boolean" && "not-a-boolean",
    kind !== "object" && kind !== "array" && { nested: { deeper: [] } },
  ].filter((o) => o !== false);
  return r.pick(options);
}

function deepNesting(depth) {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

/** The other tenant's id of the same kind, a well-formed id that exists nowhere, or garbage. */
function badId(name, r, worlds, admin) {
  // The operator may address any workspace: another tenant's id is not a bad id on the admin API.
  const choice = admin ? 1 + r.int(2) : r.int(3);
  if (choice === 0) return { value: encodeURIComponent(worlds.other[name] ?? `${name}_x`), why: `other tenant's ${name}` };
  if (choice === 1) {
    const real = String(worlds.own[name] ?? `${name}_x`);
    return { value: encodeURIComponent(real.replace(/.{4}$/, "ZZZZ")), why: `nonexistent ${name}` };
  }
  return { value: r.pick(GARBAGE_IDS), why: `garbage ${name}` };
}

/**
 * `count` malformed requests over `routes`, cycling through every route (so each gets its share), each with one
 * defect picked from those that apply to it. `worlds.own` is the caller's world, `worlds.other` another tenant's.
 */
export function* generateCases({ routes = ROUTES, worlds, count, seed = 1, adminToken, hugeEvery = 500 }) {
  const r = rng(seed);
  let hugeDue = false;
  for (let i = 0; i < count; i++) {
    const route = routes[i % routes.length];
    if (hugeEvery && i % hugeEvery === hugeEvery - 1) hugeDue = true;
    const huge = hugeDue && Boolean(route.body);
    if (huge) hugeDue = false;
    const kind = huge ? "huge_body" : r.pick(defectsFor(route));
    yield { index: i, route: `${route.method} ${route.path}`, kind, ...buildCase(route, kind, r, worlds, adminToken) };
  }
}

function defectsFor(route) {
  const kinds = ["bad_auth"];
  if (route.path.includes("{")) kinds.push("bad_id", "bad_id");
  if (!route.admin && !route.ungated) kinds.push("no_beta");
  if (route.list) kinds.push("bad_limit");
  if (route.list && !route.idPaging) kinds.push("bad_cursor");
  if (route.query) kinds.push("bad_query", "bad_query");
  if (route.body) {
    kinds.push("wrong_type", "wrong_type", "unknown_field", "bad_json", "wrong_content_type", "deep_nesting", "unicode_unknown_field");
    if (route.required?.length) kinds.push("missing_field", "missing_field");
  }
  if (route.multipart) kinds.push("bad_multipart", "bad_multipart", "wrong_content_type");
  return kinds;
}

function buildCase(route, kind, r, worlds, adminToken) {
  const own = worlds.own;
  const headers = { "anthropic-beta": BETA };
  if (route.admin) headers.authorization = `Bearer ${adminToken}`;
  else headers["x-api-key"] = own.apiKey;
  let path = fillPath(route.path, own);
  const query = [];
  let body;
  let why = kind;

  const validBody = () => {
    if (route.multipart) {
      const form = validMultipart[route.multipart]({ skillName: `chaos-fuzz-${r.int(1e6)}` });
      headers["content-type"] = form.contentType;
      return form.body;
    }
    if (!route.body) return undefined;
    headers["content-type"] = "application/json";
    return JSON.stringify(route.body(own));
  };

  switch (kind) {
    case "bad_auth": {
      const variant = r.int(3);
      delete headers["x-api-key"];
      delete headers.authorization;
      if (variant === 1) headers["x-api-key"] = `sk-ma-${r.pick(UNICODE.filter((u) => !/[\u0000-\u001f\ud800-\udfff\u0080-\uffff]/.test(u))) ?? "bogus"}bogus`;
      if (variant === 2) headers.authorization = route.admin ? `Bearer ${own.apiKey}` : "Bearer not-a-key";
      why = ["no credentials", "unknown api key", route.admin ? "workspace key on the admin API" : "bogus bearer"][variant];
      body = validBody();
      break;
    }
    case "no_beta":
      delete headers["anthropic-beta"];
      body = validBody();
      break;
    case "bad_id": {
      const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const name = r.pick(names);
      const bad = badId(name, r, worlds, route.admin);
      path = route.path.replace(/\{([^}]+)\}/g, (_, n) => (n === name ? bad.value : encodeURIComponent(own[n] ?? `${n}_x`)));
      // A route with two ids keeps the other one from the caller's world: the pair still names nothing.
      why = bad.why;
      body = validBody();
      break;
    }
    case "bad_limit":
      query.push(`limit=${encodeURIComponent(r.pick(BAD_LIMITS))}`);
      break;
    case "bad_cursor": {
      const cursors = [
        "!!!not-base64!!!",
        "eyJhIjoxfQ", // {"a":1}
        "eyJhZnRlciI6MSwib3JkZXIiOiJ1cCJ9", // {"after":1,"order":"up"}
        btoaUrl(JSON.stringify({ id: worlds.other.agent ?? "x", dir: "sideways", order: "asc" })),
        encodeAny(r.pick(UNICODE)),
        "%FF%FE",
        "a".repeat(10_000),
      ];
      query.push(`page=${r.pick(cursors)}`);
      why = "bad page cursor";
      break;
    }
    case "bad_query": {
      const [name, value] = r.pick(Object.entries(route.query));
      query.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
      why = `bad ${name}`;
      body = validBody();
      break;
    }
    case "wrong_type":
    case "missing_field":
    case "unknown_field":
    case "unicode_unknown_field": {
      const valid = route.body(own);
      const fields = Object.keys(valid);
      if (kind === "wrong_type") {
        const field = r.pick(fields);
        valid[field] = wrongTypeFor(valid[field], r);
        why = `wrong type for ${field}`;
      } else if (kind === "missing_field") {
        const field = r.pick(route.required);
        delete valid[field];
        if (r.int(2)) valid[r.pick(fields.filter((f) => f !== field)) ?? "extra"] = r.pick(UNICODE);
        why = `missing ${field}`;
      } else {
        const key = kind === "unknown_field" ? r.pick(["unknown", "__proto__", "constructor", "id", "workspace_id", "created_at"]) : r.pick(UNICODE);
        valid[key] = r.pick([1, "x", { a: 1 }, [r.pick(UNICODE)]]);
        why = `unknown field ${JSON.stringify(key)}`;
      }
      headers["content-type"] = "application/json";
      body = kind === "unknown_field" && why.includes("__proto__") ? JSON.stringify(valid).replace(/^\{/, '{"__proto__":{"polluted":true},') : JSON.stringify(valid);
      break;
    }
    case "bad_json": {
      headers["content-type"] = "application/json";
      body = r.pick(['{"name": "x",', "{", "[]", "null", '"just a string"', "42", "{'single': 'quotes'}", '{"a":1}{"b":2}', "\u0000", ""]);
      why = `bad JSON ${JSON.stringify(body).slice(0, 30)}`;
      break;
    }
    case "wrong_content_type": {
      const valid = validBody();
      const type = r.pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/xml", "image/png", null]);
      // null: a body with no content-type at all (a raw HTTP client can send that; fetch adds text/plain).
      if (type) headers["content-type"] = type;
      else delete headers["content-type"];
      body = valid;
      why = `content-type ${type ?? "(none)"}`;
      break;
    }
    case "deep_nesting": {
      const valid = route.body(own);
      const field = r.pick(Object.keys(valid));
      headers["content-type"] = "application/json";
      body = JSON.stringify(valid).replace(`"${field}":${JSON.stringify(valid[field])}`, `"${field}":${deepNesting(r.pick([1_000, 100_000]))}`);
      why = `deeply nested ${field}`;
      break;
    }
    case "huge_body": {
      // Over the 32 MiB JSON limit: refused before parsing.
      headers["content-type"] = "application/json";
      body = `{"name":"${"x".repeat(33 * 1024 * 1024)}","unknown":1}`;
      why = "33 MiB body";
      break;
    }
    case "bad_multipart": {
      const boundary = "----fuzz";
      headers["content-type"] = r.pick([`multipart/form-data; boundary=${boundary}`, "multipart/form-data", `multipart/form-data; boundary=`]);
      const variants = [
        `--${boundary}\r\ncontent-disposition: form-data; name="file"\r\n\r\nno filename\r\n--${boundary}--\r\n`,
        `--${boundary}\r\ncontent-disposition: form-data; name="wrong"; filename="a.txt"\r\n\r\nx\r\n--${boundary}--\r\n`,
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.txt"\r\n\r\ntruncated`,
        `not multipart at all`,
        `--${boundary}--\r\n`,
        `--${boundary}\r\ncontent-disposition: form-data; name="files[]"; filename="../../etc/passwd"\r\n\r\n---\nname: ☃\n---\r\n--${boundary}--\r\n`,
        `--${boundary}\r\ncontent-disposition: form-data; name="expires_in_seconds"\r\n\r\nforever\r\n--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.txt"\r\n\r\nx\r\n--${boundary}--\r\n`,
      ];
      body = r.pick(variants);
      why = "malformed multipart";
      break;
    }
    default:
      throw new Error(`unknown defect ${kind}`);
  }
  if (query.length) path += `${path.includes("?") ? "&" : "?"}${query.join("&")}`;
  return { method: route.method, path, headers, body, why, stream: Boolean(route.stream) };
}

/** encodeURIComponent that also takes lone surrogates (as the WTF-8 bytes a sloppy client would send). */
function encodeAny(text) {
  try {
    return encodeURIComponent(text);
  } catch {
    return "%ED%A0%80";
  }
}

function btoaUrl(text) {
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Runs the cases: every response must be a 4xx (never 5xx, never a success). Returns the tallies and the
 * offending cases. `onProgress(done)` is called as they complete.
 */
export async function runCases(send, cases, { concurrency = 4, onProgress = () => {} } = {}) {
  const byStatus = {};
  const serverErrors = [];
  const accepted = [];
  let done = 0;
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      let res;
      try {
        res = await send(c);
      } catch (err) {
        res = { status: 0, text: String(err?.message ?? err) };
      }
      byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
      const summary = {
        index: c.index,
        route: c.route,
        kind: c.kind,
        why: c.why,
        request: `${c.method} ${c.path.length > 200 ? `${c.path.slice(0, 200)}…` : c.path}`,
        status: res.status,
        body: res.text?.slice(0, 300),
      };
      if (res.status >= 500 || res.status === 0) serverErrors.push(summary);
      else if (res.status < 400) accepted.push(summary);
      onProgress(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { total: cases.length, byStatus, serverErrors, accepted };
}

// ------------------------------------------------------------------------------------------------------------
// Tenant isolation: every GET route with another workspace's key.

/**
 * Every GET route aimed at `owner`'s ids, sent with `intruder`'s key: only 404s (with Anthropic's error shape),
 * and top-level lists (no id in the path) that hold none of the owner's ids. `owner`'s own key gets 200 on the
 * same paths (so a 404 means isolation, not a broken fixture). Stream routes are asked with their upgrade
 * header where they need one. Returns the failures.
 */
export async function checkIsolation(send, { owner, intruder, empty, routes = ROUTES }) {
  const failures = [];
  const ownerIds = new Set(Object.values(owner).filter((v) => typeof v === "string" && /_/.test(v)));
  const checked = [];
  for (const route of routes.filter((r) => r.method === "GET" && !r.admin)) {
    const path = fillPath(route.path, owner);
    const headers = (key) => ({
      "anthropic-beta": BETA,
      "x-api-key": key,
      ...(route.path.endsWith("/ws") ? { upgrade: "websocket", connection: "upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" } : {}),
    });
    if (route.environmentKeyOnly) continue; // no API key reads it, the owner's included: nothing to compare
    const asOwner = await send({ method: "GET", path, headers: headers(owner.apiKey), stream: route.stream });
    if (asOwner.status === 404 && route.hands) continue; // no work queue in this build: nothing to isolate
    const expectOwner = route.path.endsWith("/ws") ? 101 : 200;
    if (asOwner.status !== expectOwner && !(route.path.includes("/work/") && asOwner.status === 404)) {
      failures.push(`${route.path}: the owner itself got ${asOwner.status} (fixture broken?) ${asOwner.text?.slice(0, 200)}`);
    }
    for (const [who, key] of [
      ["intruder", intruder.apiKey],
      ["empty", empty.apiKey],
    ]) {
      const res = await send({ method: "GET", path, headers: headers(key), stream: route.stream });
      checked.push(`${who} ${route.method} ${route.path}`);
      if (route.path.includes("{")) {
        if (res.status !== 404) failures.push(`${who} GET ${path} → ${res.status} (want 404): ${res.text?.slice(0, 200)}`);
        else if (!/"type":"error"/.test(res.text) || !/not_found_error/.test(res.text)) failures.push(`${who} GET ${path}: 404 without the error shape`);
        continue;
      }
      if (res.status !== 200) {
        failures.push(`${who} GET ${path} → ${res.status}: ${res.text?.slice(0, 200)}`);
        continue;
      }
      const data = JSON.parse(res.text).data ?? [];
      const leaked = data.filter((item) => ownerIds.has(item.id));
      if (leaked.length) failures.push(`${who} GET ${path} lists the owner's ${leaked.map((x) => x.id).join(", ")}`);
      if (who === "empty" && data.length) failures.push(`empty GET ${path} is not empty: ${data.map((x) => x.id).slice(0, 5).join(", ")}`);
    }
  }
  return { failures, checked };
}
