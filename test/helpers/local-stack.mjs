// The local stack every Node-side suite drives (e2e, browser, bench, chaos): the fake model (test/fake-model) as its
// own Node process and `wrangler dev` (Worker, Durable Objects, D1, R2, all local) on free ports, with throwaway state
// in a temp `--persist-to` directory (so a run never touches `.wrangler/` and can restart on the same state) and an
// admin token passed with --var (no .dev.vars is written or read for it; one the user has stays untouched).
// Plain JS: it needs Node's process APIs, which the Workers typings do not have.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { dockerProblem, writeContainerWranglerConfig } from "../../containers/wrangler-config.mjs";
import { TEST_DEFAULT_LIMITS } from "./test-limits.mjs";

export const root = path.resolve(import.meta.dirname, "../..");
export const wrangler = path.join(root, "node_modules", ".bin", "wrangler");
export const quietEnv = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Keeps the last lines a child printed, for the error message when it dies. */
export function tail(child, lines = 400) {
  const kept = [];
  const push = (chunk) => {
    // STACK_LOGFILE=path keeps everything the processes print (with STACK_WRANGLER_LOG=debug, a lot).
    const logfile = process.env.STACK_LOGFILE ?? process.env.BENCH_WRANGLER_LOGFILE;
    if (logfile) appendFileSync(logfile, chunk);
    kept.push(...String(chunk).split("\n").filter(Boolean));
    if (kept.length > lines) kept.splice(0, kept.length - lines);
  };
  child.stdout?.on("data", push);
  child.stderr?.on("data", push);
  return () => kept.join("\n");
}

export async function waitFor(urls, child, output, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`process exited early:\n${output()}`);
    try {
      const answers = await Promise.all(urls.map((url) => fetch(url)));
      await Promise.all(answers.map((res) => res.body?.cancel()));
      if (answers.every((res) => res.ok)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${urls.join(", ")} did not answer within ${timeoutMs / 1000}s:\n${output()}`);
    await sleep(150);
  }
}

/** Kills a child and everything it spawned (wrangler runs workerd as its child): it leads its own process group. */
export function killGroup(child, signal) {
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
 * The containers-lab kit's exports (../shared/containers-lab: DOCKER_HOST, the wrangler docker shim, the local base
 * and egress images) when its engine was brought up on this machine and the caller's environment lacks them.
 */
export function containersLabEnv() {
  const file = path.join(process.env.CONTAINERS_LAB_DIR ?? "/var/tmp/containers-lab", "env");
  if (process.env.DOCKER_HOST || !existsSync(file)) return {};
  return Object.fromEntries(
    [...readFileSync(file, "utf8").matchAll(/^export ([A-Z_]+)=(.*)$/gm)].map(([, k, v]) => [k, v.replace(/^'(.*)'$/, "$1")]),
  );
}

/**
 * Starts the fake model and wrangler dev; resolves when `/health` and the console page answer. `vars` are extra
 * `--var NAME:value` bindings (test hooks, retry timings). `cloudSandbox: "container"` runs cloud environments on
 * Cloudflare Containers (the generated container-mode config, containers/wrangler-config.mjs; needs a Docker
 * engine, and throws one line saying so without it). `processEnv`: extra process environment for wrangler and
 * workerd (e.g. `NODE_EXTRA_CA_CERTS`, which workerd's outbound TLS trusts). Returns handles to talk to it, to crash it (`kill`), to
 * bring it back on the same state (`restart`), and to reach the runtime past wrangler's proxy (`runtimeURL`).
 */
export async function startStack({ vars = {}, processEnv = {}, log = () => {}, cloudSandbox = "isolate" } = {}) {
  const containers = cloudSandbox === "container";
  const env = { ...quietEnv, ...(containers ? containersLabEnv() : {}), ...processEnv };
  if (containers) {
    const problem = dockerProblem(env);
    if (problem) throw new Error(`CLOUD_SANDBOX=container: ${problem}`);
  }
  const configArgs = containers ? ["--config", writeContainerWranglerConfig(root)] : [];
  const persistDir = mkdtempSync(path.join(tmpdir(), "ma-stack-state-"));
  const [port, inspectorPort, modelPort] = [await freePort(), await freePort(), await freePort()];
  const baseURL = `http://127.0.0.1:${port}`;
  const fakeModelURL = `http://127.0.0.1:${modelPort}`;
  const adminToken = randomBytes(16).toString("hex");

  log(`fake model on ${fakeModelURL}`);
  // Its own process, so the model's work never shares an event loop with the client measuring it.
  const model = spawn(process.execPath, [path.join(root, "test/helpers/fake-model-process.mjs"), "--port", String(modelPort)], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  await waitFor([`${fakeModelURL}/_fake/requests`], model, tail(model), 20_000);

  log(`applying D1 migrations to ${persistDir}`);
  try {
    d1Run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir]);
  } catch (err) {
    await killGroup(model, "SIGTERM");
    throw err;
  }

  const allVars = {
    ADMIN_TOKEN: adminToken,
    ANTHROPIC_BASE_URL: fakeModelURL,
    ANTHROPIC_API_KEY: "fake-model-key",
    VAULT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    // Test MCP servers and webhook receivers listen on 127.0.0.1: the local-development exemption of the outbound guard.
    OUTBOUND_ALLOW_LOOPBACK: "1",
    // Only failed and slow requests: each console line costs wrangler dev's inspector relay CPU (src/env.ts).
    REQUEST_LOG: "errors",
    WORKSPACE_DEFAULT_LIMITS: TEST_DEFAULT_LIMITS,
    ...vars,
  };
  let dev;
  let output = () => "";
  let runtime;

  async function start() {
    const started = Date.now();
    runtime = undefined;
    dev = spawn(
      wrangler,
      [
        "dev",
        ...configArgs,
        "--ip", "127.0.0.1",
        "--port", String(port),
        "--inspector-port", String(inspectorPort),
        "--persist-to", persistDir,
        ...Object.entries(allVars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
        "--show-interactive-dev-session=false",
        "--log-level", process.env.STACK_WRANGLER_LOG ?? process.env.BENCH_WRANGLER_LOG ?? "warn",
      ],
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    output = tail(dev);
    // Container mode builds the image first (cached by the engine after the first time).
    await waitFor([`${baseURL}/health`, `${baseURL}/console/`], dev, output, containers ? 900_000 : 120_000);
    return Date.now() - started;
  }

  log(`starting wrangler dev on ${baseURL}`);
  let startupMs;
  try {
    startupMs = await start();
  } catch (err) {
    await killGroup(dev, "SIGTERM");
    await killGroup(model, "SIGTERM");
    rmSync(persistDir, { recursive: true, force: true });
    throw err;
  }
  log(`wrangler dev up in ${(startupMs / 1000).toFixed(1)}s`);

  return {
    baseURL,
    fakeModelURL,
    cloudSandbox: containers ? "container" : "isolate",
    adminToken,
    persistDir,
    startupMs,
    /** The wrangler dev process group's leader pid (for the record). */
    get pid() {
      return dev.pid;
    },
    /** The fake model's process group (its own), for CPU accounting. */
    modelPid: model.pid,
    output: () => output(),
    /**
     * The Worker's own socket in the runtime, past wrangler dev's proxy (which serves `baseURL` and relays every
     * request through one Durable Object in a second workerd). Undefined where it cannot be found (not Linux).
     */
    runtimeURL: async () => (runtime ??= await findRuntimeURL(dev.pid)),
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
      // wrangler removes the containers it started when it exits on its own (their egress sidecars stay until
      // the engine's next `down`); killing its process group first would leave them running.
      if (containers && dev.exitCode === null && dev.signalCode === null) {
        const exited = new Promise((r) => dev.once("exit", r));
        process.kill(dev.pid, "SIGINT");
        await Promise.race([exited, sleep(20_000)]);
      }
      await killGroup(dev, "SIGTERM");
      await killGroup(model, "SIGTERM");
      if (!keepState) rmSync(persistDir, { recursive: true, force: true });
    },
  };
}

function d1Run(args) {
  const result = spawnSync(wrangler, args, { cwd: root, env: quietEnv, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function d1Query(persistDir, sql) {
  const out = d1Run(["d1", "execute", "DB", "--local", "--persist-to", persistDir, "--json", "--command", sql]);
  const parsed = JSON.parse(out.slice(out.indexOf("[")));
  return parsed[parsed.length - 1]?.results ?? [];
}

/**
 * wrangler dev runs two workerd processes in its group: the proxy (listening on the public port) and the runtime
 * with the Worker (`--socket-addr=entry=127.0.0.1:0`, a port it picks). The runtime's listening sockets are found
 * through /proc (socket inodes of its fds, matched against /proc/net/tcp), and the one whose /health answers is
 * the Worker's entry.
 */
async function findRuntimeURL(groupId) {
  try {
    const pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
    const runtimePid = pids.find((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        return pgid === groupId && cmd.includes("workerd") && cmd.includes("entry=127.0.0.1:0");
      } catch {
        return false;
      }
    });
    if (!runtimePid) return undefined;
    const inodes = new Set();
    for (const fd of readdirSync(`/proc/${runtimePid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${runtimePid}/fd/${fd}`);
        const match = target.match(/^socket:\[(\d+)\]$/);
        if (match) inodes.add(match[1]);
      } catch {
        // closed meanwhile
      }
    }
    const ports = readFileSync("/proc/net/tcp", "utf8")
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[3] === "0A" && inodes.has(f[9])) // 0A = LISTEN
      .map((f) => parseInt(f[1].split(":")[1], 16));
    for (const port of ports) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        if (res.ok && res.headers.get("request-id")) return `http://127.0.0.1:${port}`;
      } catch {
        // not this one
      }
    }
  } catch {
    // no /proc: not Linux
  }
  return undefined;
}
