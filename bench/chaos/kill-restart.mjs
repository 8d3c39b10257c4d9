// (a) Crashes: SIGKILL wrangler dev (and its workerd) at random points while turns run, K times, restarting it on
// the same state each time. Then every session must finish its turn, its log must have no gap and no duplicate
// (ids and processed_at strictly increasing; a subscriber that resumed across every crash saw exactly the log),
// every acknowledged events.send must be in the log, every turn answered once, and D1's index must agree.
import { say, sleep, tenant } from "../lib/fixtures.mjs";
import { progress } from "../lib/report.mjs";
import { followSession } from "../lib/sse.mjs";

export async function killRestart(stack, { kills = 20, sessions: sessionCount = 8, seed = 1 } = {}) {
  console.log(`\n(a) Crash and restart: ${kills} kills of wrangler dev mid-turn (flag --kills), ${sessionCount} sessions`);
  let state = seed >>> 0;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const t = await tenant(stack, "chaos-kill");
  const sessions = [];
  for (let i = 0; i < sessionCount; i++) {
    const session = await t.newSession({ title: `chaos ${i}` });
    sessions.push({ id: session.id, acked: [], unacked: 0, sent: 0, follower: followSession(stack.baseURL, t.apiKey, session.id) });
  }

  // A follower that holds no event yet resumes at the live edge, so it must be subscribed before the first send.
  await Promise.all(sessions.map((s) => s.follower.connected));

  const restarts = [];
  let midTurn = 0;
  const bar = progress("kills", kills);
  for (let k = 0; k < kills; k++) {
    // Start a turn on every session that is idle, noting what the server acknowledged. The kill does not wait
    // for the sends: some land before it, some are cut off in flight.
    const sends = Promise.all(
      sessions.map(async (s, i) => {
        if (!(await isIdle(t, s.id))) return;
        s.sent++;
        // A delay before the answer and a slowly streamed reply keep the turn in flight when the kill lands.
        const text = `[[delay:${50 + Math.floor(random() * 250)}]] [[slow:15]] [[text:turn ${k} of session ${i}: the quick brown fox jumps over the lazy dog]]`;
        try {
          const res = await t.client.beta.sessions.events.send(s.id, { events: [say(text)] });
          s.acked.push(...res.data.map((e) => e.id));
        } catch {
          s.unacked++; // the crash may or may not have let it in; either way it must not appear twice
        }
      }),
    ).catch(() => {});
    await sleep(Math.floor(random() * 700));
    restarts.push(await stack.restart());
    await sends;
    // Sessions whose log does not end idle right after the restart were caught mid-turn by the crash.
    const states = await Promise.all(sessions.map((s) => isIdle(t, s.id)));
    midTurn += states.filter((idle) => !idle).length;
    bar.tick();
  }
  bar.done();

  // Let every session finish: the last event must be status_idle and every message answered.
  const settled = await Promise.all(sessions.map((s) => settle(t, s.id)));
  // The followers have resumed across every crash; give them a moment to reach the end of the log.
  await Promise.all(sessions.map((s, i) => catchUp(s.follower, settled[i].events)));
  await Promise.all(sessions.map((s) => s.follower.stop()));

  const failures = [];
  let turns = 0;
  let events = 0;
  for (const [i, s] of sessions.entries()) {
    const log = settled[i].events;
    events += log.length;
    const where = `session ${i} (${s.id})`;
    if (!settled[i].ok) failures.push(`${where}: did not finish its turn: last events ${log.slice(-4).map((e) => e.type).join(", ")}`);
    failures.push(...logInvariants(log).map((f) => `${where}: ${f}`));
    const ids = new Set(log.map((e) => e.id));
    for (const id of s.acked) if (!ids.has(id)) failures.push(`${where}: acknowledged event ${id} is missing from the log`);
    const messages = log.filter((e) => e.type === "user.message").length;
    const answers = log.filter((e) => e.type === "agent.message").length;
    turns += messages;
    if (answers !== messages) failures.push(`${where}: ${messages} user messages but ${answers} answers`);
    if (messages < s.acked.length) failures.push(`${where}: ${s.acked.length} messages acknowledged, ${messages} in the log`);
    const followed = s.follower.events.map((e) => e.id).join(",");
    if (followed !== log.map((e) => e.id).join(",")) {
      failures.push(`${where}: the resuming subscriber saw ${s.follower.events.length} events, the log has ${log.length}${describeSeqDiff(s.follower.events, log)}`);
    }
    const mirrored = await t.client.beta.sessions.retrieve(s.id);
    if (mirrored.status !== "idle") failures.push(`${where}: the log ends idle but D1 says ${mirrored.status}`);
  }
  const acked = sessions.reduce((n, s) => n + s.acked.length, 0);
  const unacked = sessions.reduce((n, s) => n + s.unacked, 0);
  const restartMs = restarts.sort((a, b) => a - b);
  console.log(
    `  ${kills} crashes (restart p50 ${(restartMs[Math.floor(restartMs.length / 2)] / 1000).toFixed(1)}s), ${turns} turns, ${events} events, ` +
      `${midTurn} turns caught mid-flight, ${acked} sends acknowledged, ${unacked} cut off by a crash`,
  );
  report(failures);
  return {
    ok: failures.length === 0,
    kills,
    sessions: sessionCount,
    turns,
    turns_caught_mid_flight: midTurn,
    events,
    sends_acknowledged: acked,
    sends_cut_off: unacked,
    restart_ms: restartMs,
    failures,
    summary: `kill/restart: ${kills} crashes, ${turns} turns, ${failures.length} failures`,
  };
}

async function isIdle(t, sessionId) {
  try {
    const page = await t.client.beta.sessions.events.list(sessionId, { order: "desc", limit: 1 });
    const last = page.data[0];
    return !last || last.type === "session.status_idle";
  } catch {
    return false;
  }
}

async function allEvents(t, sessionId) {
  const out = [];
  for await (const e of t.client.beta.sessions.events.list(sessionId, { limit: 1000 })) out.push(e);
  return out;
}

/** Polls until the log ends idle with every user message answered (reading also wakes the object). */
async function settle(t, sessionId, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  let events = [];
  for (;;) {
    try {
      events = await allEvents(t, sessionId);
      const last = events[events.length - 1];
      const messages = events.filter((e) => e.type === "user.message").length;
      const answers = events.filter((e) => e.type === "agent.message").length;
      // An empty log is settled too: every send to it was cut off by a crash (acknowledged ones are checked apart).
      if ((last?.type === "session.status_idle" || !events.length) && answers >= messages) return { ok: true, events };
    } catch {
      // the server may still be coming up
    }
    if (Date.now() > deadline) return { ok: false, events };
    await sleep(250);
  }
}

async function catchUp(follower, log, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (follower.events.length < log.length && Date.now() < deadline) await sleep(100);
}

/** Ids and processed_at strictly increasing (hence unique); every model span closed exactly once. */
export function logInvariants(log) {
  const failures = [];
  for (let i = 1; i < log.length; i++) {
    if (!(log[i].id > log[i - 1].id)) failures.push(`id not increasing at ${i}: ${log[i - 1].id} then ${log[i].id}`);
    if (!(log[i].processed_at > log[i - 1].processed_at)) {
      failures.push(`processed_at not increasing at ${i}: ${log[i - 1].processed_at} then ${log[i].processed_at}`);
    }
  }
  const ends = new Map();
  for (const e of log) if (e.type === "span.model_request_end") ends.set(e.model_request_start_id, (ends.get(e.model_request_start_id) ?? 0) + 1);
  for (const e of log) {
    if (e.type !== "span.model_request_start") continue;
    const n = ends.get(e.id) ?? 0;
    if (n !== 1) failures.push(`span ${e.id} closed ${n} times`);
  }
  return failures.slice(0, 10);
}

function describeSeqDiff(seen, log) {
  const n = Math.min(seen.length, log.length);
  for (let i = 0; i < n; i++) {
    if (seen[i].id !== log[i].id) return ` (first difference at ${i}: saw ${seen[i].type} ${seen[i].id}, log has ${log[i].type} ${log[i].id})`;
  }
  return seen.length > log.length ? ` (extra: ${seen.slice(n, n + 3).map((e) => e.type)})` : ` (missing: ${log.slice(n, n + 3).map((e) => e.type)})`;
}

function report(failures) {
  if (!failures.length) return console.log("  ✓ every turn finished; logs gap-free, duplicate-free and ordered; acknowledged sends present; D1 agrees");
  console.log(`  ✗ ${failures.length} failures:`);
  for (const f of failures.slice(0, 30)) console.log(`    ${f}`);
}
