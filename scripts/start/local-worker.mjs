// The official SDK worker, unmodified: polls the local environment's work queue and runs tools in .local/workdir.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { baseURL, localDir } from "./config.mjs";

export function startLocalWorker({ environmentId, environmentKey }) {
  const workdir = path.join(localDir, "workdir");
  mkdirSync(workdir, { recursive: true });
  const controller = new AbortController();
  const worker = new Anthropic({ baseURL, apiKey: null, logLevel: "warn" }).beta.environments.work.worker({
    environmentId,
    environmentKey,
    workdir,
  });
  worker.run(controller.signal).catch((err) => {
    if (!controller.signal.aborted) console.error("local worker stopped:", err);
  });
  return controller;
}
