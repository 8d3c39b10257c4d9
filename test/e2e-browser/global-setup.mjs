// Starts the stack for the browser test, unless there is no browser to drive (then the test skips and says why).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startStack } from "../helpers/local-stack.mjs";

export const CHROMIUM = "/usr/bin/chromium";

export default async function setup({ provide }) {
  provide("chromium", existsSync(CHROMIUM) ? CHROMIUM : "");
  if (!existsSync(CHROMIUM)) return;
  const artifacts = path.resolve(import.meta.dirname, "../artifacts");
  mkdirSync(artifacts, { recursive: true });
  const userDataDir = mkdtempSync(path.join(tmpdir(), "ma-console-chromium-"));
  // Where the official EnvironmentWorker runs the self-hosted session's tools (the test's "laptop").
  const workdir = mkdtempSync(path.join(tmpdir(), "ma-console-worker-"));
  const stack = await startStack();
  provide("baseURL", stack.baseURL);
  provide("adminToken", stack.adminToken);
  provide("artifacts", artifacts);
  provide("userDataDir", userDataDir);
  provide("workdir", workdir);
  return async () => {
    await stack.stop();
    rmSync(userDataDir, { recursive: true, force: true });
    rmSync(workdir, { recursive: true, force: true });
  };
}
