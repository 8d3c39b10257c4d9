// 4. Load: C sessions at once, each running T turns back to back (send → status_idle on its stream),
// the way C independent clients would. Throughput, turn latency, and every failure counted.
import { openSse, say, tenant } from "./lib/fixtures.mjs";
import { pool, progress, round, summarize, table } from "./lib/report.mjs";

export async function load(stack, { concurrency = 200, turns = 5 } = {}) {
  console.log(`\n4. Load: ${concurrency} concurrent sessions × ${turns} turns (flags --concurrency, --turns)`);
  const t = await tenant(stack, "load");
  const errors = [];
  const fail = (where, err) => {
    errors.push({ where, error: String(err?.message ?? err).slice(0, 300) });
  };

  const creating = progress("sessions created", concurrency);
  const createTimes = [];
  const sessions = await pool(Array.from({ length: concurrency }), 16, async () => {
    const started = performance.now();
    try {
      const session = await t.newSession();
      createTimes.push(performance.now() - started);
      return session;
    } catch (err) {
      fail("sessions.create", err);
      return undefined;
    } finally {
      creating.tick();
    }
  });
  creating.done();

  const latencies = [];
  const retried = [];
  const running = progress("turns", concurrency * turns);
  const started = performance.now();
  await Promise.all(
    sessions.map(async (session, i) => {
      if (!session) return;
      let stream;
      try {
        stream = await openSse(t.client, session.id);
        for (let n = 0; n < turns; n++) {
          const turnStarted = performance.now();
          try {
            await t.client.beta.sessions.events.send(session.id, { events: [say(`load ${i}.${n}`)] });
            const events = await stream.until((e) => e.type === "session.status_idle", 120_000);
            const idle = events[events.length - 1];
            if (idle.stop_reason?.type !== "end_turn") fail(`turn ${i}.${n}`, `stop_reason ${JSON.stringify(idle.stop_reason)}`);
            // A model error the session retried past is not a failed turn, but it is counted and shown.
            for (const e of events.filter((e) => e.type === "session.error")) retried.push({ where: `turn ${i}.${n}`, error: e.error });
            latencies.push(performance.now() - turnStarted);
          } catch (err) {
            fail(`turn ${i}.${n}`, err);
            return; // the stream's position is unknown now: this session stops
          } finally {
            running.tick();
          }
        }
      } catch (err) {
        fail(`stream ${i}`, err);
      } finally {
        stream?.close();
      }
    }),
  );
  const wallMs = performance.now() - started;
  running.done();

  const latency = summarize(latencies);
  const summary = {
    sessions: concurrency,
    turns_per_session: turns,
    turns_completed: latencies.length,
    wall_s: round(wallMs / 1000),
    throughput_turns_per_s: round(latencies.length / (wallMs / 1000)),
    turn_latency_ms: latency,
    session_create_ms: summarize(createTimes),
    errors: errors.length,
    retried_model_errors: retried.length,
  };
  const text = table(`Load: ${concurrency} concurrent sessions × ${turns} turns`, [
    {
      sessions: concurrency,
      turns: concurrency * turns,
      completed: latencies.length,
      "wall s": summary.wall_s,
      "turns/s": summary.throughput_turns_per_s,
      "turn p50 ms": latency.p50,
      "turn p99 ms": latency.p99,
      errors: errors.length,
      "model errors retried": retried.length,
    },
  ]);
  if (errors.length) {
    console.log(`  ${errors.length} errors; first ones:`);
    for (const e of errors.slice(0, 10)) console.log(`    ${e.where}: ${e.error}`);
  }
  if (retried.length) console.log(`  ${retried.length} model errors retried by the sessions, e.g. ${JSON.stringify(retried[0])}`);
  return { ...summary, error_samples: errors.slice(0, 50), retried_samples: retried.slice(0, 20), table: text };
}
