// The local stack the benchmarks and chaos runs drive: the fake model as its own Node process and
// `wrangler dev` (Worker, Durable Objects, D1, R2, all local) on free ports, with state in a temp
// `--persist-to` directory so a run never touches `.wrangler/` and can restart on the same state.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "..", "..");
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");
const quietEnv = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Keeps the last lines a child printed, for the error message when it dies. */
function tail(child, lines = 400) {
  const kept = [];
  const push = (chunk) => {
    // BENCH_WRANGLER_LOGFILE=path keeps everything the processes print (with BENCH_WRANGLER_LOG=debug, a lot).
    if (process.env.BENCH_WRANGLER_LOGFILE) appendFileSync(process.env.BENCH_WRANGLER_LOGFILE, chunk);
    kept.push(...String(chunk).split("\n").filter(Boolean));
    if (kept.length > lines) kept.splice(0, kept.length - lines);
  };
  child.stdout?.on("data", push);
  child.stderr?.on("data", push);
  return () => kept.join("\n");
}

async function waitFor(url, child, output, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`process exited early:\n${output()}`);
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000}s:\n${output()}`);
    await sleep(150);
  }
}

/** Kills a child and everything it spawned (wrangler runs workerd as its child): it leads its own process group. */
function killGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
  return exited;
}

/**
 * Starts the fake model and wrangler dev. `vars` are extra `--var`s for the Worker.
 * Returns handles to talk to it, to crash it (`kill`) and to bring it back on the same state (`restart`).
 */
export async function startStack({ vars = {}, log = () => {} } = {}) {
  const persistDir = mkdtempSync(path.join(tmpdir(), "ma-bench-state-"));
  const [port, inspectorPort, modelPort] = [await freePort(), await freePort(), await freePort()];
  const baseURL = `http://127.0.0.1:${port}`;
  const fakeModelURL = `http://127.0.0.1:${modelPort}`;
  const adminToken = randomBytes(16).toString("hex");

  log(`fake model on ${fakeModelURL}`);
  const model = spawn(process.execPath, [path.join(root, "bench/lib/fake-model-server.mjs"), "--port", String(modelPort)], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  await waitFor(`${fakeModelURL}/_fake/requests`, model, tail(model), 20_000);

  log(`applying D1 migrations to ${persistDir}`);
  d1Run(persistDir, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir]);

  const allVars = {
    ADMIN_TOKEN: adminToken,
    ANTHROPIC_BASE_URL: fakeModelURL,
    ANTHROPIC_API_KEY: "fake-model-key",
    VAULT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    ...vars,
  };
  let dev;
  let output = () => "";

  async function start() {
    const started = Date.now();
    dev = spawn(
      wrangler,
      [
        "dev",
        "--ip", "127.0.0.1",
        "--port", String(port),
        "--inspector-port", String(inspectorPort),
        "--persist-to", persistDir,
        ...Object.entries(allVars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
        "--show-interactive-dev-session=false",
        "--log-level", process.env.BENCH_WRANGLER_LOG ?? "warn",
      ],
      { cwd: root, env: quietEnv, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    output = tail(dev);
    await waitFor(`${baseURL}/health`, dev, output, 120_000);
    return Date.now() - started;
  }

  log(`starting wrangler dev on ${baseURL}`);
  const startupMs = await start();
  log(`wrangler dev up in ${(startupMs / 1000).toFixed(1)}s`);

  const stack = {
    baseURL,
    fakeModelURL,
    adminToken,
    persistDir,
    startupMs,
    /** The wrangler dev process group's leader pid (for the record). */
    get pid() {
      return dev.pid;
    },
    output: () => output(),
    /** Crash the Worker: SIGKILL wrangler and workerd, no shutdown. */
    kill: () => killGroup(dev, "SIGKILL"),
    /** Start wrangler dev again on the same port and state; resolves with the time it took to answer. */
    restart: async () => {
      await killGroup(dev, "SIGKILL");
      return start();
    },
    /** Runs SQL against the local D1 (same state directory); returns the rows of the last statement. */
    d1: (sql) => d1Query(persistDir, sql),
    async stop({ keepState = false } = {}) {
      await killGroup(dev, "SIGTERM");
      await killGroup(model, "SIGTERM");
      if (!keepState) rmSync(persistDir, { recursive: true, force: true });
    },
  };
  return stack;
}

function d1Run(persistDir, args) {
  const result = spawnSync(wrangler, args, { cwd: root, env: quietEnv, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function d1Query(persistDir, sql) {
  const out = d1Run(persistDir, ["d1", "execute", "DB", "--local", "--persist-to", persistDir, "--json", "--command", sql]);
  const parsed = JSON.parse(out.slice(out.indexOf("[")));
  return parsed[parsed.length - 1]?.results ?? [];
}

/** A workspace and its API key, through the admin API as an operator would. */
export async function createWorkspace(stack, name) {
  const res = await fetch(`${stack.baseURL}/admin/workspaces`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  if (!res.ok) throw new Error(`creating workspace ${name}: ${res.status} ${await res.text()}`);
  const workspace = await res.json();
  return { workspaceId: workspace.id, apiKey: workspace.api_key.key };
}
