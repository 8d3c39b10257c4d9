// `wrangler dev` as a child process: its output kept in the log file (the terminal sees only errors, unless
// START_VERBOSE=1), waited on until /health answers.
import { spawn } from "node:child_process";
import { baseURL, log, port, root, verbose, wrangler } from "./config.mjs";

// What a user must see even when wrangler's output goes to the log: errors from wrangler, workerd or the Worker
// (the request log's 5xx lines, uncaught exceptions).
const ALWAYS_SHOWN = /✘|\[ERROR\]|"level":"error"|"status":5\d\d|Uncaught|EADDRINUSE|address already in use/;
// The local worker long-polls every second, and wrangler cannot reach Cloudflare for `request.cf` offline:
// neither says anything a developer needs, even in verbose mode.
const NOISE = /work\/poll|Request\.cf|ENOTFOUND workers\.cloudflare\.com|GetAddrInfoReqWrap/;

// Local development only: tenant-driven fetches (web_fetch, MCP servers, webhooks, the sandbox's curl) may reach
// services on this machine. Deployments never set it (src/lib/outbound-guard.ts).
const LOCAL_ONLY_VARS = ["--var", "OUTBOUND_ALLOW_LOOPBACK:1"];

export function startWranglerDev({ inspectorPort, vars, configArgs = [] }) {
  const args = ["dev", ...configArgs, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false", "--var", "REQUEST_LOG:errors", ...LOCAL_ONLY_VARS, ...vars];
  log(`$ wrangler ${args.map((a) => (a.startsWith("ANTHROPIC_API_KEY:") ? "ANTHROPIC_API_KEY:***" : a)).join(" ")}\n`);
  const dev = spawn(wrangler, args, {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  for (const [from, to] of [[dev.stdout, process.stdout], [dev.stderr, process.stderr]]) {
    let pending = "";
    from.on("data", (chunk) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop();
      for (const line of lines) {
        if (NOISE.test(line)) continue;
        log(line + "\n");
        if (verbose || ALWAYS_SHOWN.test(line)) to.write(line + "\n");
      }
    });
  }
  return dev;
}

export async function waitForHealth(dev, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dev.exitCode !== null) throw new Error("wrangler dev exited");
    try {
      if ((await fetch(`${baseURL}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer on ${baseURL} within ${timeoutMs / 1000}s`);
}
