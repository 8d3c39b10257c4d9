// 6. Hands that never queue: the first tool call of one session alone, then of N sessions started together, through
// the official EnvironmentWorker run as `npm start` runs it (scripts/local-workers.mjs: an elastic pool of min..max
// loops, an idle session's item released after 5 s). Target: every first tool call of the N within 1.2× of the single
// session's.
import Anthropic from "@anthropic-ai/sdk";
import { hasWorkQueue, selfHostedSetup, startWorker } from "./lib/hands.mjs";
import { openSse, say, sleep, tenant } from "./lib/fixtures.mjs";
import { processedMs } from "./turn-overhead.mjs";
import { round, summarize, table } from "./lib/report.mjs";
import { SKIPPED } from "./tool-roundtrip.mjs";
import { DEFAULT_MAX_LOOPS, DEFAULT_MIN_LOOPS } from "../scripts/local-workers.mjs";

const IDLE_MS = 5_000;

export async function handsConcurrency(stack, { sessions = 10, min = DEFAULT_MIN_LOOPS, max = DEFAULT_MAX_LOOPS, trials = 5 } = {}) {
  const loops = `${min}..${max} loops`;
  console.log(`\n6. Hands concurrency: ${sessions} sessions started together (--hands-sessions), ${loops} (--loops, --max-loops)`);
  const t = await tenant(stack, "hands");
  if (!(await hasWorkQueue(t.client))) return { skipped: SKIPPED };
  const { environment, agent, environmentKey } = await selfHostedSetup(t.client, "hands");
  const arrivals = new Map();
  const pool = startWorker(stack, {
    environmentId: environment.id,
    environmentKey,
    min,
    max,
    maxIdleMs: IDLE_MS,
    onToolUse: (id, at) => arrivals.set(id, at),
  });
  const firstCall = async (i) => {
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const stream = await openSse(t.client, session.id);
    await t.client.beta.sessions.events.send(session.id, { events: [say(`[[tool:bash {"command":"echo ${i}"}]] [[next]] [[text:done]]`)] });
    const events = await stream.until((e) => e.type === "session.status_idle" && e.stop_reason?.type === "end_turn", 120_000);
    stream.close();
    const use = events.find((e) => e.type === "agent.tool_use");
    const result = events.find((e) => e.type === "user.tool_result");
    if (!use || !result || !arrivals.has(use.id)) throw new Error(`session ${i}: no tool round trip in ${events.map((e) => e.type)}`);
    return { sessionId: session.id, toWorker: arrivals.get(use.id) - processedMs(use), roundTrip: processedMs(result) - processedMs(use) };
  };
  let peak = { depth: 0, workers_polling: 0 };
  try {
    const single = [];
    for (let i = 0; i < trials; i++) single.push(await firstCall(`single-${i}`));
    await sleep(IDLE_MS + 2_000); // the single sessions' items are released: every loop is free again
    const watching = watchQueue(t.client, environment.id, (stats) => {
      if (stats.depth >= peak.depth) peak = stats;
    });
    const together = await Promise.all(Array.from({ length: sessions }, (_, i) => firstCall(`together-${i}`)));
    watching.stop();
    const claimWait = summarize(await claimWaits(stack, environment.id, environmentKey, new Set(together.map((s) => s.sessionId))));
    const base = summarize(single.map((s) => s.roundTrip));
    const many = summarize(together.map((s) => s.roundTrip));
    const ratio = round(many.max / base.p50);
    const text = table(`First tool call (agent.tool_use → user.tool_result, includes the queue claim; ms)`, [
      { case: `1 session alone (${trials} trials)`, p50: base.p50, max: base.max, "to worker p50": summarize(single.map((s) => s.toWorker)).p50 },
      { case: `${sessions} sessions together, ${loops}`, p50: many.p50, max: many.max, "to worker p50": summarize(together.map((s) => s.toWorker)).p50 },
    ]);
    const verdict = [
      `slowest of ${sessions} / single p50 = ${ratio} (target ≤ 1.2: ${ratio <= 1.2 ? "met" : "MISSED"})`,
      `claim wait of the ${sessions} (item created → acknowledged, server clock): p50 ${claimWait.p50} ms, max ${claimWait.max} ms`,
      `pool peak: ${pool.peak()} loops; queue peak during the run: ${JSON.stringify(peak)}`,
    ].join("\n  ");
    console.log(`  ${verdict}`);
    return { sessions, loops: { min, max, peak: pool.peak() }, idle_ms: IDLE_MS, single: base, together: many, ratio, claim_wait: claimWait, queue_peak: peak, table: `${text}\n\n${verdict}` };
  } finally {
    await pool.stop();
  }
}

/** How long each session's item sat in the queue before a loop acknowledged it (the work items' own timestamps). */
async function claimWaits(stack, environmentId, environmentKey, sessionIds) {
  const lister = new Anthropic({ baseURL: stack.baseURL, apiKey: null, authToken: environmentKey, logLevel: "off" });
  const waits = [];
  for await (const item of lister.beta.environments.work.list(environmentId)) {
    if (sessionIds.has(item.data.id) && item.acknowledged_at) waits.push(Date.parse(item.acknowledged_at) - Date.parse(item.created_at));
  }
  return waits;
}

/** Polls the queue's stats (what an operator sizing workers reads) while the sessions start. */
function watchQueue(client, environmentId, onStats) {
  let stopped = false;
  void (async () => {
    while (!stopped) {
      try {
        onStats(await client.beta.environments.work.stats(environmentId));
      } catch {
        // a missed sample
      }
      await sleep(100);
    }
  })();
  return { stop: () => (stopped = true) };
}
