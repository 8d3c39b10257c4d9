// The official SDK worker, unmodified, in several loops (scripts/local-workers.mjs): serves LOCAL_WORKERS sessions at
// once (default 4), releasing a session's item after LOCAL_WORKER_IDLE_MS idle (default 5 s). Tools run in .local/workdir.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { baseURL, localDir } from "./config.mjs";
import { DEFAULT_IDLE_MS, DEFAULT_LOOPS, startLocalWorkers } from "../local-workers.mjs";

export function startLocalWorker({ environmentId, environmentKey }) {
  const workdir = path.join(localDir, "workdir");
  mkdirSync(workdir, { recursive: true });
  return startLocalWorkers({
    baseURL,
    environmentId,
    environmentKey,
    workdir,
    loops: Number(process.env.LOCAL_WORKERS ?? DEFAULT_LOOPS),
    maxIdleMs: Number(process.env.LOCAL_WORKER_IDLE_MS ?? DEFAULT_IDLE_MS),
    onError: (err) => console.error("local worker stopped:", err),
  });
}
