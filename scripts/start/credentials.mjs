// The local workspace, its API key and the self-hosted environment, created once through the admin and public
// APIs and remembered in .local/credentials.json (mode 0600: it holds an API key and an environment key).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { BETA, baseURL, credentialsFile, localDir, step } from "./config.mjs";

function save(credentials) {
  mkdirSync(localDir, { recursive: true, mode: 0o700 });
  writeFileSync(credentialsFile, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  chmodSync(credentialsFile, 0o600); // `mode` applies only when the file is created; an older file was 0644
  return credentials;
}

export async function ensureWorkspace(adminToken) {
  if (existsSync(credentialsFile)) {
    const saved = JSON.parse(readFileSync(credentialsFile, "utf8"));
    const probe = await fetch(`${baseURL}/v1/agents?limit=1`, { headers: { "x-api-key": saved.apiKey, ...BETA } });
    // Still valid: keep it, with this start's address (PORT may have changed since it was saved).
    if (probe.status !== 401) return save({ ...saved, baseURL });
  }
  step("creating the local workspace and API key");
  const res = await fetch(`${baseURL}/admin/workspaces`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "local" }),
  });
  if (!res.ok) throw new Error(`creating the local workspace failed: ${res.status} ${await res.text()}`);
  const workspace = await res.json();
  return save({ workspaceId: workspace.id, apiKey: workspace.api_key.key, baseURL });
}

async function api(apiKey, method, route, body) {
  const res = await fetch(`${baseURL}${route}`, {
    method,
    headers: { "x-api-key": apiKey, "content-type": "application/json", ...BETA },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${route} failed: ${res.status} ${await res.text()}`);
  return res.json();
}

/** The default self-hosted environment and a key for its local worker, created once and remembered. */
export async function ensureLocalEnvironment(saved) {
  if (saved.environmentId) {
    const probe = await fetch(`${baseURL}/v1/environments/${saved.environmentId}`, { headers: { "x-api-key": saved.apiKey, ...BETA } });
    if (probe.ok && !(await probe.json()).archived_at) return saved;
  }
  step("creating the local self-hosted environment and its worker key");
  const environment = await api(saved.apiKey, "POST", "/v1/environments", { name: "local", config: { type: "self_hosted" } });
  const key = await api(saved.apiKey, "POST", `/v1/environments/${environment.id}/keys`, { name: "npm start" });
  return save({ ...saved, environmentId: environment.id, environmentKey: key.key });
}
