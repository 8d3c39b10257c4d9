// The floor (bench/floor): the least a turn can cost on this platform, as its own `wrangler dev` beside the project's,
// on the same fake model, with its own throwaway state. Same wrangler, compatibility date and flags as the project.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, killGroup, quietEnv, root, tail, waitFor, wrangler } from "../../test/helpers/local-stack.mjs";

export async function startFloor({ fakeModelURL, log = () => {} }) {
  const persistDir = mkdtempSync(path.join(tmpdir(), "perf-floor-state-"));
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const baseURL = `http://127.0.0.1:${port}`;
  log(`starting the floor (bench/floor) on ${baseURL}`);
  const dev = spawn(
    wrangler,
    [
      "dev",
      "-c", path.join(root, "bench", "floor", "wrangler.toml"),
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspectorPort),
      "--persist-to", persistDir,
      "--var", `ANTHROPIC_BASE_URL:${fakeModelURL}`,
      "--show-interactive-dev-session=false",
      "--log-level", "warn",
    ],
    { cwd: root, env: quietEnv, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const output = tail(dev);
  try {
    await waitFor([`${baseURL}/health`], dev, output, 120_000);
  } catch (err) {
    await killGroup(dev, "SIGTERM");
    rmSync(persistDir, { recursive: true, force: true });
    throw err;
  }
  return {
    baseURL,
    pid: dev.pid,
    output,
    async stop() {
      await killGroup(dev, "SIGTERM");
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
}
