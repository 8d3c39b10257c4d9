// (e) Worker killed mid-tool: the official EnvironmentWorker (own process) gets a tool use and is SIGKILLed while
// running it; a second worker must pick the session up once the lease lapses, and the turn must finish with
// exactly one result for that tool use. Needs the self-hosted work queue.
import { spawn } from "node:child_process";
import path from "node:path";
import { say, sleep, tenant } from "../lib/fixtures.mjs";
import { followSession } from "../lib/sse.mjs";
import { hasWorkQueue, selfHostedSetup } from "../lib/hands.mjs";
import { SKIPPED } from "../tool-roundtrip.mjs";
import { logInvariants } from "./kill-restart.mjs";

const script = path.join(import.meta.dirname, "worker-process.mjs");

/** The lease a worker holds when it asks for none: the hosted API's default, unless the stack sets WORK_LEASE_TTL_SECONDS. */
export const DEFAULT_LEASE_S = 300;

/**
 * `kills` rounds, each on a fresh session: a worker gets a `bash` tool use and is SIGKILLed while running it, a
 * second worker polls, and the turn must end with exactly one result for that tool use once the lease lapses.
 */
export async function workerKill(stack, { kills = 1, leaseSeconds = DEFAULT_LEASE_S } = {}) {
  console.log(`\n(e) Worker killed mid-tool ${kills} times (flag --worker-kills), a second worker takes over after the ${leaseSeconds} s lease`);
  const t = await tenant(stack, "chaos-worker");
  if (!(await hasWorkQueue(t.client))) {
    console.log(`  ${SKIPPED}`);
    return { ok: true, skipped: SKIPPED, summary: `worker kill: ${SKIPPED}` };
  }
  const failures = [];
  const takeovers = [];
  for (let round = 1; round <= kills; round++) {
    // An environment per round: the last round's session stays live on its queue (its worker was stopped, not
    // the session), and a worker of this round that claimed it would sit out its idle time there first.
    const setup = await selfHostedSetup(t.client, `chaos-worker-${round}`);
    const result = await killOnce(stack, t, setup, (leaseSeconds + 120) * 1000);
    takeovers.push(result.takeoverMs);
    failures.push(...result.failures.map((f) => `round ${round}: ${f}`));
    if (kills > 1 && (round % 10 === 0 || round === kills)) console.log(`  kills: ${round}/${kills}, ${failures.length} failures`);
  }
  const sorted = takeovers.filter((ms) => ms != null).sort((a, b) => a - b);
  const p50 = sorted.length ? (sorted[Math.floor((sorted.length - 1) / 2)] / 1000).toFixed(1) : "–";
  console.log(
    failures.length
      ? `  ✗ ${failures.join("\n    ")}`
      : `  ✓ ${kills} kills: every turn finished with exactly one result for the killed worker's tool use (takeover p50 ${p50} s)`,
  );
  return {
    ok: failures.length === 0,
    kills,
    lease_seconds: leaseSeconds,
    takeover_p50_s: p50,
    failures,
    summary: `worker kill: ${kills} kills, ${failures.length} failures`,
  };
}

async function killOnce(stack, t, { environment, agent, environmentKey }, timeoutMs) {
  const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  // A resuming follower, not one SDK stream: over a five-minute wait the stream may be dropped and must resume.
  const follower = followSession(stack.baseURL, t.apiKey, session.id);
  const first = worker(stack, environment.id, environmentKey, 60_000);
  const failures = [];
  let second;
  let takeoverMs;
  try {
    await t.client.beta.sessions.events.send(session.id, { events: [say('[[tool:bash {"command":"sleep 60"}]] [[next]] [[text:done]]')] });
    const toolUseId = await first.nextTool(60_000);
    first.child.kill("SIGKILL");
    const killedAt = Date.now();
    second = worker(stack, environment.id, environmentKey, 0);
    const ticker = setInterval(() => console.log(`  … ${Math.round((Date.now() - killedAt) / 1000)} s since the kill`), 30_000);
    const ended = () => follower.events.some((e) => e.type === "session.status_idle" && e.stop_reason?.type === "end_turn");
    while (!ended() && Date.now() - killedAt < timeoutMs) await sleep(250);
    clearInterval(ticker);
    if (!ended()) throw new Error(`the turn did not finish within ${timeoutMs / 1000} s of the kill`);
    takeoverMs = Date.now() - killedAt;
    const all = [];
    for await (const e of t.client.beta.sessions.events.list(session.id)) all.push(e);
    const results = all.filter((e) => e.type === "user.tool_result" && e.tool_use_id === toolUseId);
    if (results.length !== 1) failures.push(`${results.length} results for the killed tool use ${toolUseId}`);
    failures.push(...logInvariants(all));
    const followed = follower.events.map((e) => e.id).join(",");
    if (followed !== all.map((e) => e.id).join(",")) failures.push("the resuming subscriber's events differ from the log");
    for (const drop of follower.drops) console.log(`    stream dropped at ${drop.at}: ${drop.why}`);
  } catch (err) {
    failures.push(String(err.message ?? err));
  } finally {
    await follower.stop();
    first.child.kill("SIGKILL");
    second?.child.kill("SIGTERM");
  }
  return { failures, takeoverMs };
}

function worker(stack, environmentId, environmentKey, runMs) {
  const child = spawn(process.execPath, [script, stack.baseURL, environmentId, environmentKey, String(runMs)], { stdio: ["ignore", "pipe", "inherit"] });
  const tools = [];
  const waiters = [];
  let buffer = "";
  child.stdout.on("data", (chunk) => {
    buffer += chunk;
    for (let i; (i = buffer.indexOf("\n")) !== -1; ) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (line.startsWith("TOOL ")) {
        tools.push(line.slice(5));
        waiters.shift()?.();
      }
    }
  });
  return {
    child,
    nextTool: (ms) =>
      new Promise((resolve, reject) => {
        if (tools.length) return resolve(tools.shift());
        const timer = setTimeout(() => reject(new Error("no tool use reached the worker")), ms);
        waiters.push(() => {
          clearTimeout(timer);
          resolve(tools.shift());
        });
      }),
  };
}
