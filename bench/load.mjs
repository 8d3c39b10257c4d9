// 4. Load: C sessions at once, each running T turns back to back (send → status_idle on its stream),
// the way C independent clients would. Throughput, turn latency, and every failure counted.
import { openSse, say, tenant } from "./lib/fixtures.mjs";
import { pool, progress, round, summarize, table } from "./lib/report.mjs";

/** `t`: what to drive (default: a new tenant of the project; bench/versus-floor.mjs passes the floor's). */
export async function load(stack, { concurrency = 200, turns = 5, turnTimeoutS = 120, t: given } = {}) {
  console.log(`\n4. Load: ${concurrency} concurrent sessions × ${turns} turns (flags --concurrency, --turns)`);
  const t = given ?? (await tenant(stack, "load"));
  const errors = [];
  const fail = (where, err) => {
    // The SDK's "Connection error." hides the socket-level reason in its cause chain: keep it.
    const cause = [err?.cause, err?.cause?.cause].map((c) => c?.code ?? c?.message).filter(Boolean).join(" / ");
    errors.push({ where, error: `${String(err?.message ?? err)}${cause ? ` (${cause})` : ""}`.slice(0, 300) });
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
  const proxy = { lost: 0, landed: 0 };
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
            await sendVerified(t, session.id, `load ${i}.${n}`, proxy);
            const events = await stream.until((e) => e.type === "session.status_idle", turnTimeoutS * 1000);
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
    dev_proxy_503: proxy.lost,
    dev_proxy_503_that_had_landed: proxy.landed,
  };
  const via = stack.direct ? ", direct to the runtime (--direct)" : ", through wrangler dev's proxy";
  const text = table(`Load: ${concurrency} concurrent sessions × ${turns} turns${via}`, [
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
      "dev-proxy 503s": proxy.lost,
    },
  ]);
  if (proxy.lost) {
    console.log(
      `  wrangler dev's proxy lost its connection to the runtime ${proxy.lost} times ("Your worker restarted mid-request");\n` +
        `  each send was looked up in the log before resending (${proxy.landed} had landed, none sent twice)`,
    );
  }
  if (errors.length) {
    console.log(`  ${errors.length} errors; first ones:`);
    for (const e of errors.slice(0, 10)) console.log(`    ${e.where}: ${e.error}`);
  }
  if (retried.length) console.log(`  ${retried.length} model errors retried by the sessions, e.g. ${JSON.stringify(retried[0])}`);
  return { ...summary, error_samples: errors.slice(0, 50), retried_samples: retried.slice(0, 20), table: text };
}

/**
 * events.send, resent only when wrangler dev's own proxy answered 503 "Your worker restarted mid-request" (its
 * connection to the runtime dropped; it retries only GETs). The send may have reached the Worker anyway, so the
 * log is checked first: a message is never sent twice. The proxy resets its connections in bursts while the runtime is
 * saturated, so the resends back off (up to 20 attempts, ~25 s in all) rather than give up after a few in the same burst.
 */
async function sendVerified(t, sessionId, text, proxy) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await t.client.beta.sessions.events.send(sessionId, { events: [say(text)] });
    } catch (err) {
      if (err?.status !== 503 || !/restarted mid-request/.test(String(err.message)) || attempt >= 20) throw err;
      proxy.lost++;
      await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      const recent = await t.client.beta.sessions.events.list(sessionId, { order: "desc", limit: 50, types: ["user.message"] });
      if (recent.data.some((e) => e.content?.[0]?.text === text)) {
        proxy.landed++;
        return;
      }
    }
  }
}
