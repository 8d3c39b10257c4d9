#!/usr/bin/env node
// `npm start`: the whole local stack in one command.
// Applies D1 migrations, runs `wrangler dev` (Worker + Durable Objects + D1 + R2, all local), makes sure a local
// workspace, API key and self-hosted environment exist, and runs the official SDK worker for that environment so
// sessions can run bash on this machine. Without ANTHROPIC_API_KEY it runs in demo mode against the scripted fake
// model (test/fake-model), so everything works offline.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { dockerProblem, writeContainerWranglerConfig } from "../containers/wrangler-config.mjs";

const root = path.resolve(import.meta.dirname, "..");
const port = Number(process.env.PORT ?? 8787);
const baseURL = `http://127.0.0.1:${port}`;
const localDir = path.join(root, ".local");
const credentialsFile = path.join(localDir, "credentials.json");
const devVars = path.join(root, ".dev.vars");
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");
const fakeModelPort = Number(process.env.FAKE_MODEL_PORT ?? 8790);
const BETA = { "anthropic-beta": "managed-agents-2026-04-01" };

const step = (message) => console.log(`\x1b[36m›\x1b[0m ${message}`);
// CLOUD_SANDBOX=container: cloud environments run on Cloudflare Containers (containers/wrangler-config.mjs).
const containerMode = process.env.CLOUD_SANDBOX === "container";
if (process.env.CLOUD_SANDBOX && !["container", "isolate"].includes(process.env.CLOUD_SANDBOX)) {
  console.error(`CLOUD_SANDBOX must be "container" or "isolate", not "${process.env.CLOUD_SANDBOX}"`);
  process.exit(1);
}
if (containerMode) {
  const problem = dockerProblem();
  if (problem) {
    console.error(`CLOUD_SANDBOX=container needs Docker: ${problem}`);
    process.exit(1);
  }
}

function ensureDevVars() {
  if (existsSync(devVars)) return;
  step("writing .dev.vars with a fresh ADMIN_TOKEN and VAULT_ENCRYPTION_KEY (local only)");
  writeFileSync(
    devVars,
    [
      `ADMIN_TOKEN=${randomBytes(24).toString("hex")}`,
      `VAULT_ENCRYPTION_KEY=${randomBytes(32).toString("base64")}`,
      process.env.ANTHROPIC_API_KEY ? `ANTHROPIC_API_KEY=${process.env.ANTHROPIC_API_KEY}` : "",
    ]
      .filter(Boolean)
      .join("\n") + "\n",
  );
}

function readDevVars() {
  return Object.fromEntries(
    readFileSync(devVars, "utf8")
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

function applyMigrations() {
  step("applying D1 migrations (local)");
  const result = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CI: "true" },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

async function waitForHealth(timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${baseURL}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer on ${baseURL} within ${timeoutMs / 1000}s`);
}

async function ensureWorkspace(adminToken) {
  if (existsSync(credentialsFile)) {
    const saved = JSON.parse(readFileSync(credentialsFile, "utf8"));
    const probe = await fetch(`${baseURL}/v1/agents?limit=1`, {
      headers: { "x-api-key": saved.apiKey, "anthropic-beta": "managed-agents-2026-04-01" },
    });
    if (probe.status !== 401) return saved;
  }
  step("creating the local workspace and API key");
  const res = await fetch(`${baseURL}/admin/workspaces`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "local" }),
  });
  if (!res.ok) throw new Error(`creating the local workspace failed: ${res.status} ${await res.text()}`);
  const workspace = await res.json();
  const saved = { workspaceId: workspace.id, apiKey: workspace.api_key.key, baseURL };
  mkdirSync(localDir, { recursive: true });
  writeFileSync(credentialsFile, JSON.stringify(saved, null, 2));
  return saved;
}

async function startDemoModel() {
  const { startFakeModelServer } = await import("../test/fake-model/server.mjs");
  await startFakeModelServer({ port: fakeModelPort });
  step(`demo mode: no ANTHROPIC_API_KEY, the brain talks to the scripted fake model on :${fakeModelPort}`);
  return ["--var", `ANTHROPIC_BASE_URL:http://127.0.0.1:${fakeModelPort}`, "--var", "ANTHROPIC_API_KEY:demo"];
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
async function ensureLocalEnvironment(saved) {
  if (saved.environmentId) {
    const probe = await fetch(`${baseURL}/v1/environments/${saved.environmentId}`, { headers: { "x-api-key": saved.apiKey, ...BETA } });
    if (probe.ok && !(await probe.json()).archived_at) return saved;
  }
  step("creating the local self-hosted environment and its worker key");
  const environment = await api(saved.apiKey, "POST", "/v1/environments", { name: "local", config: { type: "self_hosted" } });
  const key = await api(saved.apiKey, "POST", `/v1/environments/${environment.id}/keys`, { name: "npm start" });
  const next = { ...saved, environmentId: environment.id, environmentKey: key.key };
  writeFileSync(credentialsFile, JSON.stringify(next, null, 2));
  return next;
}

/** The official SDK worker, unmodified: polls the environment's work queue and runs tools in .local/workdir. */
function startLocalWorker({ environmentId, environmentKey }) {
  const workdir = path.join(localDir, "workdir");
  mkdirSync(workdir, { recursive: true });
  const controller = new AbortController();
  const worker = new Anthropic({ baseURL, apiKey: null, logLevel: "warn" }).beta.environments.work.worker({
    environmentId,
    environmentKey,
    workdir,
  });
  worker.run(controller.signal).catch((err) => {
    if (!controller.signal.aborted) console.error("local worker stopped:", err);
  });
  step(`local worker serving environment ${environmentId} in ${path.relative(root, workdir)}`);
  return controller;
}

ensureDevVars();
applyMigrations();
const demo = !process.env.ANTHROPIC_API_KEY && !readDevVars().ANTHROPIC_API_KEY;
const modelVars = demo ? await startDemoModel() : [];
const configArgs = containerMode ? ["--config", writeContainerWranglerConfig(root)] : [];
step(`starting wrangler dev on ${baseURL}${containerMode ? " (cloud sandboxes on containers: the first start builds containers/Dockerfile)" : ""}`);
// Local development only: tenant-driven fetches (web_fetch, MCP servers, webhooks, the sandbox's curl) may reach
// services on this machine. Deployments never set it (src/lib/outbound-guard.ts).
const localOnlyVars = ["--var", "OUTBOUND_ALLOW_LOOPBACK:1"];
const dev = spawn(wrangler, ["dev", ...configArgs, "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false", ...modelVars, ...localOnlyVars], {
  cwd: root,
  stdio: ["ignore", "pipe", "pipe"],
});
// The local worker long-polls every second, and wrangler cannot reach Cloudflare for `request.cf` offline:
// neither says anything a developer needs, so those lines are dropped and the rest passes through.
const NOISE = /work\/poll|Request\.cf|ENOTFOUND workers\.cloudflare\.com|GetAddrInfoReqWrap/;
for (const [from, to] of [[dev.stdout, process.stdout], [dev.stderr, process.stderr]]) {
  let pending = "";
  from.on("data", (chunk) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop();
    for (const line of lines) if (!NOISE.test(line)) to.write(line + "\n");
  });
}
const children = [dev];
const stop = () => {
  for (const child of children) child.kill("SIGTERM");
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", (code) => process.exit(code ?? 1));

await waitForHealth(containerMode ? 900_000 : 60_000);
const local = await ensureLocalEnvironment(await ensureWorkspace(readDevVars().ADMIN_TOKEN));
const worker = startLocalWorker(local);
process.on("exit", () => worker.abort());
console.log(`
\x1b[32mManaged agents backend running on ${baseURL}\x1b[0m${demo ? "  (demo mode: fake model)" : ""}
  workspace API key:       ${local.apiKey}   (saved in .local/credentials.json)
  self-hosted environment: ${local.environmentId}   (served by the local worker)
  cloud environments:      ${containerMode ? "Cloudflare Containers (Docker)" : "in-isolate sandbox (no python/git/node/packages; CLOUD_SANDBOX=container for containers)"}
  console:                 ${baseURL}/console

  import Anthropic from "@anthropic-ai/sdk";
  const client = new Anthropic({ baseURL: "${baseURL}", apiKey: "${local.apiKey}" });
`);
