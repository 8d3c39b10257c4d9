// The official SDK worker, unmodified, as an elastic pool of loops (scripts/local-workers.mjs): LOCAL_WORKERS loops
// kept warm (default 2), up to LOCAL_WORKERS_MAX sessions running tools at once (default 16), a loop beyond the warm
// ones leaving after LOCAL_WORKERS_SPARE_MS without work (default 30 s), a session's item released after
// LOCAL_WORKER_IDLE_MS idle (default 5 s). Tools run in .local/workdir; the pool's growth goes to the log file.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { baseURL, localDir, log } from "./config.mjs";
import { DEFAULT_IDLE_MS, DEFAULT_MAX_LOOPS, DEFAULT_MIN_LOOPS, DEFAULT_SPARE_IDLE_MS, startLocalWorkers } from "../local-workers.mjs";

/** The pool's sizes from the environment, read once so the banner prints what runs. */
export const localWorkerPool = {
  min: Number(process.env.LOCAL_WORKERS ?? DEFAULT_MIN_LOOPS),
  max: Number(process.env.LOCAL_WORKERS_MAX ?? Math.max(DEFAULT_MAX_LOOPS, Number(process.env.LOCAL_WORKERS ?? 0))),
  maxIdleMs: Number(process.env.LOCAL_WORKER_IDLE_MS ?? DEFAULT_IDLE_MS),
  spareIdleMs: Number(process.env.LOCAL_WORKERS_SPARE_MS ?? DEFAULT_SPARE_IDLE_MS),
};

export function startLocalWorker({ environmentId, environmentKey }) {
  const workdir = path.join(localDir, "workdir");
  mkdirSync(workdir, { recursive: true });
  return startLocalWorkers({
    baseURL,
    environmentId,
    environmentKey,
    workdir,
    ...localWorkerPool,
    onScale: ({ size, reason }) => log(`${new Date().toISOString()} worker pool: ${size} loops (${reason})\n`),
    onError: (err) => console.error("local worker loop failed:", err),
  });
}
