// Starts the whole stack the way `npm start` does (wrangler dev: Worker, Durable Objects, D1, R2, all local) on a
// free port with its own state directory, seeds a workspace, an API key and a self-hosted environment, and hands
// their ids to the tests. Plain JS: it needs Node's process APIs, which the project's Workers typings do not have.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");
const quietEnv = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(args) {
  const result = spawnSync(wrangler, args, { cwd: root, env: quietEnv, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
}

const id = (prefix) => `${prefix}_e2e${randomBytes(8).toString("hex")}`;
const sql = (value) => `'${String(value).replace(/'/g, "''")}'`;

export default async function setup({ provide }) {
  const state = mkdtempSync(path.join(tmpdir(), "ma-e2e-state-"));
  const workdir = mkdtempSync(path.join(tmpdir(), "ma-e2e-workdir-"));
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const baseURL = `http://127.0.0.1:${port}`;
  const adminToken = randomBytes(16).toString("hex");

  run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state]);

  const now = new Date().toISOString();
  const workspaceId = id("wrkspc");
  const apiKey = `sk-ma-${randomBytes(24).toString("hex")}`;
  const environmentId = id("env");
  const seed = path.join(state, "seed.sql");
  writeFileSync(
    seed,
    [
      `INSERT INTO workspaces (id, name, created_at) VALUES (${sql(workspaceId)}, 'e2e', ${sql(now)});`,
      `INSERT INTO api_keys (id, workspace_id, name, prefix, hash, created_at) VALUES (${sql(id("apikey"))}, ${sql(workspaceId)},
        'e2e', ${sql(apiKey.slice(0, 12))}, ${sql(createHash("sha256").update(apiKey).digest("hex"))}, ${sql(now)});`,
      // The environments API is built on its own branch; until it lands the environment row is seeded here
      // (same columns as its migration, which makes the CREATE a no-op once merged).
      `CREATE TABLE IF NOT EXISTS environments (id TEXT PRIMARY KEY NOT NULL, workspace_id TEXT NOT NULL, name TEXT NOT NULL,
        description TEXT, config_type TEXT NOT NULL, config TEXT NOT NULL, metadata TEXT NOT NULL, scope TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, archived_at TEXT);`,
      `INSERT INTO environments (id, workspace_id, name, config_type, config, metadata, scope, created_at, updated_at)
        VALUES (${sql(environmentId)}, ${sql(workspaceId)}, 'e2e-self-hosted', 'self_hosted', '{"type":"self_hosted"}', '{}',
        'organization', ${sql(now)}, ${sql(now)});`,
    ].join("\n"),
  );
  run(["d1", "execute", "DB", "--local", "--persist-to", state, "--file", seed]);

  const dev = spawn(
    wrangler,
    [
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspectorPort),
      "--persist-to", state,
      "--var", `ADMIN_TOKEN:${adminToken}`,
      "--var", "HANDS_TEST_HOOKS:1",
      "--show-interactive-dev-session=false",
      "--log-level", "warn",
    ],
    { cwd: root, env: quietEnv, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  dev.stdout.on("data", (d) => (output += d));
  dev.stderr.on("data", (d) => (output += d));

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (dev.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      if ((await fetch(`${baseURL}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      dev.kill("SIGTERM");
      throw new Error(`wrangler dev did not answer on ${baseURL}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  provide("baseURL", baseURL);
  provide("apiKey", apiKey);
  provide("workspaceId", workspaceId);
  provide("environmentId", environmentId);
  provide("workdir", workdir);
  // E2E_LOG_LEVEL=debug shows the SDK worker's own log lines.
  provide("logLevel", process.env.E2E_LOG_LEVEL === "debug" ? "debug" : "off");

  return async () => {
    dev.kill("SIGTERM");
    await new Promise((r) => (dev.exitCode !== null ? r() : dev.once("exit", r)));
    rmSync(state, { recursive: true, force: true });
    rmSync(workdir, { recursive: true, force: true });
  };
}
