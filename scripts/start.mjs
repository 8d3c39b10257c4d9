#!/usr/bin/env node
// `npm start`: the whole local stack in one command.
// Applies D1 migrations, runs `wrangler dev` (Worker + Durable Objects + D1 + R2, all local),
// then makes sure a local workspace and API key exist and prints how to use them.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const port = Number(process.env.PORT ?? 8787);
const baseURL = `http://127.0.0.1:${port}`;
const localDir = path.join(root, ".local");
const credentialsFile = path.join(localDir, "credentials.json");
const devVars = path.join(root, ".dev.vars");
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");

const step = (message) => console.log(`\x1b[36m›\x1b[0m ${message}`);

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

ensureDevVars();
applyMigrations();
step(`starting wrangler dev on ${baseURL}`);
const dev = spawn(wrangler, ["dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false"], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
});
const children = [dev];
const stop = () => {
  for (const child of children) child.kill("SIGTERM");
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", (code) => process.exit(code ?? 1));

await waitForHealth();
const { apiKey } = await ensureWorkspace(readDevVars().ADMIN_TOKEN);
console.log(`
\x1b[32mManaged agents backend running on ${baseURL}\x1b[0m
  workspace API key: ${apiKey}   (saved in .local/credentials.json)

  import Anthropic from "@anthropic-ai/sdk";
  const client = new Anthropic({ baseURL: "${baseURL}", apiKey: "${apiKey}" });
`);
