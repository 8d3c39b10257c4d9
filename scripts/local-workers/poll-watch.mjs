// What the worker pool sees of its loops: the SDK worker has no hooks, but every poll goes through the client's
// `fetch` (a documented client option), tagged with the loop's `Anthropic-Worker-ID`. This fetch reports each poll's
// start and outcome to the pool, and keeps the last free loop listening (below); every other request passes through.

const POLL_PATH = /\/v1\/environments\/[^/]+\/work\/poll(?:\?|$)/;
/**
 * Between two empty polls the SDK sleeps 1–3 s (`jitter(1000, 3000)` in its WorkPoller), so a loop listens only about
 * a third of the time, and an item queued while every free loop sleeps waits up to 3 s. The last loop still polling
 * ("the lookout") therefore polls again in place instead of answering empty, until another loop starts polling or
 * this bound passes (then it answers empty and the SDK's own cycle resumes).
 */
export const LOOKOUT_MAX_MS = 20_000;

/**
 * `events` gets `pollStarted(workerId)`, `pollEnded(workerId, claimed)` and `pollingCount()` (loops whose poll is in
 * flight, this one included); a poll that throws (an aborted loop, a network error) ends unclaimed.
 */
export function pollWatchingFetch(events, baseFetch = globalThis.fetch) {
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!POLL_PATH.test(url)) return baseFetch(input, init);
    const workerId = new Headers(init?.headers).get("anthropic-worker-id");
    const lookoutUntil = Date.now() + LOOKOUT_MAX_MS;
    events.pollStarted(workerId);
    for (;;) {
      let response;
      try {
        response = await baseFetch(input, init);
      } catch (err) {
        events.pollEnded(workerId, false);
        throw err;
      }
      const claimed = response.ok && (await response.clone().text()).trim() !== "null";
      // Decided and reported in one synchronous step, so of two loops answered empty together the second sees the
      // first already gone and stays: there is always a lookout while any loop is free.
      const lookout = !claimed && response.ok && events.pollingCount() === 1 && Date.now() < lookoutUntil && !init?.signal?.aborted;
      if (!lookout) {
        events.pollEnded(workerId, claimed);
        return response;
      }
    }
  };
}
