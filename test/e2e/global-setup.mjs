// Starts the whole stack the way `npm start` does (wrangler dev: Worker, Durable Objects, D1, R2, all local, with the
// scripted fake model) on free ports with its own state directory, creates a workspace and a self-hosted environment
// through the API, and hands their ids to the tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startStack } from "../helpers/local-stack.mjs";

export default async function setup({ provide }) {
  const workdir = mkdtempSync(path.join(tmpdir(), "ma-e2e-workdir-"));
  const { baseURL, adminToken, stop } = await startStack({ vars: { HANDS_TEST_HOOKS: "1" } });

  // A workspace through the admin API and a self-hosted environment through the public one, as an operator would.
  const admin = await fetch(`${baseURL}/admin/workspaces`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "e2e" }),
  });
  if (!admin.ok) throw new Error(`creating the e2e workspace failed: ${admin.status} ${await admin.text()}`);
  const workspace = await admin.json();
  const apiKey = workspace.api_key.key;
  const created = await fetch(`${baseURL}/v1/environments`, {
    method: "POST",
    headers: { "x-api-key": apiKey, "anthropic-beta": "managed-agents-2026-04-01", "content-type": "application/json" },
    body: JSON.stringify({ name: "e2e-self-hosted", config: { type: "self_hosted" } }),
  });
  if (!created.ok) throw new Error(`creating the e2e environment failed: ${created.status} ${await created.text()}`);
  const environmentId = (await created.json()).id;

  provide("baseURL", baseURL);
  provide("adminToken", adminToken);
  provide("apiKey", apiKey);
  provide("workspaceId", workspace.id);
  provide("environmentId", environmentId);
  provide("workdir", workdir);
  // E2E_LOG_LEVEL=debug shows the SDK worker's own log lines.
  provide("logLevel", process.env.E2E_LOG_LEVEL === "debug" ? "debug" : "off");

  return async () => {
    await stop();
    rmSync(workdir, { recursive: true, force: true });
  };
}
