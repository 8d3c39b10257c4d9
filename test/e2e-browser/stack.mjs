// The local stack for the browser test: the fake model (test/fake-model) and `wrangler dev` on free ports, with
// throwaway state and an admin token passed with --var (no .dev.vars is written or read for it; one the user
// has stays untouched). Plain JS: it needs Node's process APIs, which the project's Workers typings do not have.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { startFakeModelServer } from "../fake-model/server.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");
const quietEnv = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** Starts the fake model and the Worker; resolves when `/health` and the console page answer. */
export async function startStack() {
  const state = mkdtempSync(path.join(tmpdir(), "ma-console-state-"));
  const [port, inspectorPort, modelPort] = [await freePort(), await freePort(), await freePort()];
  const baseURL = `http://127.0.0.1:${port}`;
  const adminToken = randomBytes(16).toString("hex");

  const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
    cwd: root,
    env: quietEnv,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`applying migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

  const model = await startFakeModelServer({ port: modelPort });
  // Its own process group, so teardown ends wrangler and the workerd it started, and nothing else.
  const dev = spawn(
    wrangler,
    [
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspectorPort),
      "--persist-to", state,
      "--var", `ADMIN_TOKEN:${adminToken}`,
      "--var", `ANTHROPIC_BASE_URL:http://127.0.0.1:${modelPort}`,
      "--var", "ANTHROPIC_API_KEY:fake-model-key",
      "--var", `VAULT_ENCRYPTION_KEY:${randomBytes(32).toString("base64")}`,
      "--show-interactive-dev-session=false",
      "--log-level", "warn",
    ],
    { cwd: root, env: quietEnv, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let output = "";
  dev.stdout.on("data", (d) => (output += d));
  dev.stderr.on("data", (d) => (output += d));

  const stop = async () => {
    if (dev.exitCode === null) {
      try {
        process.kill(-(/** @type {number} */ (dev.pid)), "SIGTERM");
      } catch {
        // already gone
      }
      await new Promise((r) => (dev.exitCode !== null ? r(undefined) : dev.once("exit", r)));
    }
    await new Promise((r) => model.close(r));
    rmSync(state, { recursive: true, force: true });
  };

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (dev.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited early:\n${output}`);
    }
    try {
      const [health, page] = await Promise.all([fetch(`${baseURL}/health`), fetch(`${baseURL}/console/`)]);
      if (health.ok && page.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer on ${baseURL}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { baseURL, adminToken, stop, output: () => output };
}
