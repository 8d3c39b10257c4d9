// `wrangler dev` as a child process: started, its output filtered, waited on until /health answers.
import { spawn } from "node:child_process";
import { baseURL, port, root, wrangler } from "./config.mjs";

// The local worker long-polls every second, and wrangler cannot reach Cloudflare for `request.cf` offline:
// neither says anything a developer needs, so those lines are dropped and the rest passes through.
const NOISE = /work\/poll|Request\.cf|ENOTFOUND workers\.cloudflare\.com|GetAddrInfoReqWrap/;

export function startWranglerDev(extraArgs) {
  const dev = spawn(wrangler, ["dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false", ...extraArgs], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const [from, to] of [[dev.stdout, process.stdout], [dev.stderr, process.stderr]]) {
    let pending = "";
    from.on("data", (chunk) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop();
      for (const line of lines) if (!NOISE.test(line)) to.write(line + "\n");
    });
  }
  return dev;
}

export async function waitForHealth(timeoutMs = 60_000) {
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
