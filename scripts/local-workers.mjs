// An elastic pool of the official EnvironmentWorker, unmodified, on one environment. One loop serves one session at a
// time (it holds the session's work item until the session has been idle `maxIdleMs`), so a fixed number of loops
// queues every further session behind the ones they hold. The pool keeps `min` loops warm and grows on demand: when a
// loop claims an item it starts one more at once if no other loop is polling, then asks the queue's `depth`
// (`work.stats`, one request) and starts a loop for each item no polling loop will take, up to `max`. A loop beyond `min` exits once it has gone `spareIdleMs` without an item;
// a loop that crashes is replaced. How the pool sees its loops: ./local-workers/poll-watch.mjs.
import Anthropic from "@anthropic-ai/sdk";
import { hostname } from "node:os";
import { pollWatchingFetch } from "./local-workers/poll-watch.mjs";

/** Loops kept warm by `npm start` (LOCAL_WORKERS overrides). */
export const DEFAULT_MIN_LOOPS = 2;
/** The most loops, i.e. sessions running tools at once (LOCAL_WORKERS_MAX overrides); sizing in src/hands/README.md. */
export const DEFAULT_MAX_LOOPS = 16;
/** An idle session's item is released after this long (LOCAL_WORKER_IDLE_MS overrides); the SDK's default is 60 s. */
export const DEFAULT_IDLE_MS = 5_000;
/** A loop beyond the warm minimum exits after this long without an item (LOCAL_WORKERS_SPARE_MS overrides). */
export const DEFAULT_SPARE_IDLE_MS = 30_000;
/** A crashed loop is replaced after this pause, so a persistent failure cannot spin. */
const RESTART_DELAY_MS = 1_000;

const isFatal4xx = (err) => err?.status >= 400 && err.status < 500 && ![408, 409, 429].includes(err.status);

/**
 * Starts the pool. `options` go to every EnvironmentWorker (tools, memorySyncIntervalMs...). `onScale({ size, reason })`
 * hears every start and exit; `onError(err)` a crash (replaced) or a fatal 4xx (the key or environment is gone: the
 * whole pool stops). Returns `{ min, max, size(), peak(), served(), stop() }`; `served()` maps each loop's worker id
 * to the items it claimed.
 */
export function startLocalWorkers({
  baseURL,
  environmentId,
  environmentKey,
  workdir,
  min = DEFAULT_MIN_LOOPS,
  max = DEFAULT_MAX_LOOPS,
  maxIdleMs = DEFAULT_IDLE_MS,
  spareIdleMs = DEFAULT_SPARE_IDLE_MS,
  logLevel = "warn",
  onScale = () => {},
  onError = () => {},
  ...options
}) {
  if (!(Number.isInteger(min) && min >= 1 && Number.isInteger(max) && max >= min)) {
    throw new Error(`worker pool: need integers 1 ≤ min ≤ max, got min=${min} max=${max}`);
  }
  const prefix = `${hostname()}-${process.pid}`;
  /** worker id → { controller, running, state: "starting" | "polling" | "waiting" | "serving", freeSince } */
  const loops = new Map();
  const served = new Map();
  const pollingCount = () => [...loops.values()].filter((l) => l.state === "polling").length;
  const readyCount = () => [...loops.values()].filter((l) => l.state === "polling" || l.state === "starting").length;
  let stopped = false;
  let next = 0;
  let peak = 0;
  let toppingUp = false;

  const client = new Anthropic({
    baseURL,
    apiKey: null,
    logLevel,
    fetch: pollWatchingFetch({
      pollingCount,
      pollStarted: (id) => {
        const loop = loops.get(id);
        if (!loop) return;
        // Back from a session (the SDK polls right after it stops the item): free since now.
        if (loop.state === "serving") loop.freeSince = Date.now();
        loop.state = "polling";
      },
      pollEnded: (id, claimed) => {
        const loop = loops.get(id);
        if (!loop || loop.controller.signal.aborted) return;
        if (claimed) return onClaim(id, loop);
        loop.state = "waiting";
        if (loops.size > min && Date.now() - loop.freeSince >= spareIdleMs) retire(id, loop);
      },
    }),
  });
  const statsClient = new Anthropic({ baseURL, apiKey: null, authToken: environmentKey, logLevel, maxRetries: 0 });

  function onClaim(id, loop) {
    loop.state = "serving";
    served.set(id, (served.get(id) ?? 0) + 1);
    // One loop at once when none is left polling, unless a `depth` answer is on its way (it counts this item).
    if (readyCount() === 0 && !toppingUp) grow(1, "an item was claimed and no other loop is polling");
    void topUp();
  }

  /**
   * More items queued than loops polling: start the difference at once. Asked on every claim, not only when no loop
   * polls: a free loop spends most of its time in the SDK's 1–3 s pause between polls, so one polling loop is no
   * sign that the queue will drain.
   */
  async function topUp() {
    if (toppingUp) return;
    toppingUp = true;
    const startedBefore = next;
    try {
      const { depth } = await statsClient.beta.environments.work.stats(environmentId);
      // Loops started while the answer was on its way may have claimed some of those items already.
      const deficit = depth - readyCount() - (next - startedBefore);
      // And never leave the pool without a polling loop: it is the lookout for the next item.
      grow(Math.max(deficit, readyCount() === 0 ? 1 : 0), `${depth} items queued`);
    } catch {
      // the next claim asks again
    } finally {
      toppingUp = false;
    }
  }

  function grow(count, reason) {
    const room = Math.min(count, max - loops.size);
    for (let i = 0; i < room; i++) startLoop();
    if (room > 0) onScale({ size: loops.size, reason: `+${room}: ${reason}` });
  }

  function retire(id, loop) {
    loops.delete(id);
    loop.controller.abort();
    onScale({ size: loops.size, reason: `-1: ${id} idle for ${Math.round((Date.now() - loop.freeSince) / 1000)} s` });
  }

  function startLoop() {
    const id = `${prefix}-${next++}`;
    const loop = { controller: new AbortController(), state: "starting", freeSince: Date.now() };
    loops.set(id, loop);
    peak = Math.max(peak, loops.size);
    loop.running = client.beta.environments.work
      .worker({ environmentId, environmentKey, workdir, maxIdleMs, workerId: id, ...options })
      .run(loop.controller.signal)
      .then(
        () => loops.delete(id),
        (err) => {
          loops.delete(id);
          if (stopped || loop.controller.signal.aborted) return;
          onError(err);
          if (isFatal4xx(err)) return void stop();
          setTimeout(() => !stopped && grow(1, `replaced ${id}, which crashed`), RESTART_DELAY_MS);
        },
      );
  }

  async function stop() {
    stopped = true;
    const all = [...loops.values()];
    loops.clear();
    for (const loop of all) loop.controller.abort();
    await Promise.all(all.map((l) => l.running));
  }

  for (let i = 0; i < min; i++) startLoop();
  onScale({ size: loops.size, reason: `started ${min} warm loops (up to ${max})` });
  return { min, max, size: () => loops.size, peak: () => peak, served: () => new Map(served), stop };
}
