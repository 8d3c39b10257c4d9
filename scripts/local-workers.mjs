// Several loops of the official EnvironmentWorker, unmodified, on one environment. One loop serves one session at a
// time (it holds the session's work item until the session has been idle `maxIdleMs`), so a lone loop queues every
// other session behind the one it holds: `loops` is how many sessions run tools at once, and a short `maxIdleMs`
// hands an idle session's item back promptly (its next tool use queues it again, and any free loop claims it).
import Anthropic from "@anthropic-ai/sdk";
import { hostname } from "node:os";

/** Sessions served at once by `npm start` (LOCAL_WORKERS overrides). */
export const DEFAULT_LOOPS = 4;
/** An idle session's item is released after this long (LOCAL_WORKER_IDLE_MS overrides); the SDK's default is 60 s. */
export const DEFAULT_IDLE_MS = 5_000;

/**
 * Starts `loops` worker loops; each polls the queue with its own worker id (so the queue's stats count them apart).
 * `options` go to every EnvironmentWorker (tools, memorySyncIntervalMs...). Resolves `stop()` once all have ended.
 */
export function startLocalWorkers({ baseURL, environmentId, environmentKey, workdir, loops = DEFAULT_LOOPS, maxIdleMs = DEFAULT_IDLE_MS, logLevel = "warn", onError = () => {}, ...options }) {
  const controller = new AbortController();
  const client = new Anthropic({ baseURL, apiKey: null, logLevel });
  const prefix = `${hostname()}-${process.pid}`;
  const running = Array.from({ length: loops }, (_, i) =>
    client.beta.environments.work
      .worker({ environmentId, environmentKey, workdir, maxIdleMs, workerId: `${prefix}-${i}`, ...options })
      .run(controller.signal)
      .catch((err) => {
        if (!controller.signal.aborted) onError(err, i);
      }),
  );
  return {
    loops,
    stop: async () => {
      controller.abort();
      await Promise.all(running);
    },
  };
}
