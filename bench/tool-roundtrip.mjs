// 5. Tool round trip through the official EnvironmentWorker: the model's agent.tool_use is appended → the
// worker's tool is called with it → its user.tool_result is appended. Needs the self-hosted work queue.
import { hasWorkQueue, selfHostedSetup, startWorker } from "./lib/hands.mjs";
import { openSse, say, tenant } from "./lib/fixtures.mjs";
import { processedMs } from "./turn-overhead.mjs";
import { progress, summarize, table } from "./lib/report.mjs";

export const SKIPPED = "skipped: needs the self-hosted work queue";

export async function toolRoundTrip(stack, { samples = 30 } = {}) {
  console.log(`\n5. Tool round trip via the official EnvironmentWorker: ${samples} tool calls (flag --tool-samples)`);
  const t = await tenant(stack, "tools");
  if (!(await hasWorkQueue(t.client))) {
    console.log(`  ${SKIPPED}`);
    return { skipped: SKIPPED };
  }
  const { environment, agent, environmentKey } = await selfHostedSetup(t.client, "tools");
  const arrivals = new Map();
  const { stop } = startWorker(stack, {
    environmentId: environment.id,
    environmentKey,
    onToolUse: (id, at) => arrivals.set(id, at),
  });
  const toWorker = [];
  const roundTrip = [];
  let first;
  try {
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const stream = await openSse(t.client, session.id);
    const bar = progress("tool calls", samples + 1);
    for (let i = 0; i <= samples; i++) {
      await t.client.beta.sessions.events.send(session.id, {
        events: [say(`[[tool:bash {"command":"echo ${i}"}]] [[next]] [[text:done ${i}]]`)],
      });
      const events = await stream.until((e) => e.type === "session.status_idle" && e.stop_reason?.type === "end_turn", 60_000);
      const use = events.find((e) => e.type === "agent.tool_use");
      const result = events.find((e) => e.type === "user.tool_result");
      if (!use || !result || !arrivals.has(use.id)) throw new Error(`tool call ${i}: no tool round trip in ${events.map((e) => e.type)}`);
      const sample = { toWorker: arrivals.get(use.id) - processedMs(use), roundTrip: processedMs(result) - processedMs(use) };
      // The first call also waits for a worker to claim the session from the queue: reported apart.
      if (i === 0) first = sample;
      else {
        toWorker.push(sample.toWorker);
        roundTrip.push(sample.roundTrip);
      }
      bar.tick();
    }
    bar.done();
    stream.close();
  } finally {
    await stop();
  }
  const pick = ({ p50, p99, mean }) => ({ p50, p99, mean });
  const text = table(`Tool round trip (${samples} calls after the first, ms; server processed_at vs worker clock)`, [
    { measure: "agent.tool_use appended → worker's tool called", ...pick(summarize(toWorker)) },
    { measure: "agent.tool_use → user.tool_result appended", ...pick(summarize(roundTrip)) },
    { measure: "first call (includes the queue claim): to worker", p50: first.toWorker, p99: null, mean: null },
  ]);
  return { samples, to_worker: summarize(toWorker), round_trip: summarize(roundTrip), first_call: first, table: text };
}
