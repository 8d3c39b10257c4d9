// Starts the whole stack the way `npm start` does (wrangler dev: Worker, Durable Objects, D1, R2, all local) on a
// free port with its own state directory, creates a workspace and a self-hosted environment through the API, and
// hands their ids to the tests. Plain JS: it needs Node's process APIs, which the project's Workers typings do not have.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

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

export default async function setup({ provide }) {
  const state = mkdtempSync(path.join(tmpdir(), "ma-e2e-state-"));
  const workdir = mkdtempSync(path.join(tmpdir(), "ma-e2e-workdir-"));
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const baseURL = `http://127.0.0.1:${port}`;
  const adminToken = randomBytes(16).toString("hex");

  run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state]);

  // The scripted fake model (test/fake-model, from the session plane) answers the brain's Messages API calls.
  let fakeModel;
  const fakeModelModule = path.join(root, "test", "fake-model", "server.mjs");
  if (existsSync(fakeModelModule)) {
    const { startFakeModelServer } = await import(pathToFileURL(fakeModelModule).href);
    const fakeModelPort = await freePort();
    fakeModel = { server: await startFakeModelServer({ port: fakeModelPort }), url: `http://127.0.0.1:${fakeModelPort}` };
  }

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
      ...(fakeModel ? ["--var", `ANTHROPIC_BASE_URL:${fakeModel.url}`, "--var", "ANTHROPIC_API_KEY:fake-model-key"] : []),
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

  provide("fakeModel", Boolean(fakeModel));
  provide("baseURL", baseURL);
  provide("apiKey", apiKey);
  provide("workspaceId", workspace.id);
  provide("environmentId", environmentId);
  provide("workdir", workdir);
  // E2E_LOG_LEVEL=debug shows the SDK worker's own log lines.
  provide("logLevel", process.env.E2E_LOG_LEVEL === "debug" ? "debug" : "off");

  return async () => {
    dev.kill("SIGTERM");
    await new Promise((r) => (dev.exitCode !== null ? r() : dev.once("exit", r)));
    await new Promise((r) => (fakeModel ? fakeModel.server.close(r) : r()));
    rmSync(state, { recursive: true, force: true });
    rmSync(workdir, { recursive: true, force: true });
  };
}
