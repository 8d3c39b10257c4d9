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

/** The lease a worker holds when it asks for none (the hosted API's default): a dead worker's item waits this long. */
const DEFAULT_LEASE_S = 300;

export async function workerKill(stack, { timeoutMs = (DEFAULT_LEASE_S + 120) * 1000 } = {}) {
  console.log("\n(e) Worker killed mid-tool, a second worker takes over");
  const t = await tenant(stack, "chaos-worker");
  if (!(await hasWorkQueue(t.client))) {
    console.log(`  ${SKIPPED}`);
    return { ok: true, skipped: SKIPPED, summary: `worker kill: ${SKIPPED}` };
  }
  const { environment, agent, environmentKey } = await selfHostedSetup(t.client, "chaos-worker");
  const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  // A resuming follower, not one SDK stream: over a five-minute wait the stream may be dropped and must resume.
  const follower = followSession(stack.baseURL, t.apiKey, session.id);
  const first = worker(stack, environment.id, environmentKey, 60_000);
  const failures = [];
  let second;
  try {
    await t.client.beta.sessions.events.send(session.id, { events: [say('[[tool:bash {"command":"sleep 60"}]] [[next]] [[text:done]]')] });
    const toolUseId = await first.nextTool(60_000);
    first.child.kill("SIGKILL");
    const killedAt = Date.now();
    second = worker(stack, environment.id, environmentKey, 0);
    console.log(`  killed the worker holding ${toolUseId}; a second one polls, waiting for the lease to lapse (${DEFAULT_LEASE_S} s default)`);
    const ticker = setInterval(() => console.log(`  … ${Math.round((Date.now() - killedAt) / 1000)} s`), 30_000);
    const ended = () => follower.events.some((e) => e.type === "session.status_idle" && e.stop_reason?.type === "end_turn");
    while (!ended() && Date.now() - killedAt < timeoutMs) await sleep(250);
    clearInterval(ticker);
    if (!ended()) throw new Error(`the turn did not finish within ${timeoutMs / 1000} s of the kill`);
    const all = [];
    for await (const e of t.client.beta.sessions.events.list(session.id)) all.push(e);
    const results = all.filter((e) => e.type === "user.tool_result" && e.tool_use_id === toolUseId);
    if (results.length !== 1) failures.push(`${results.length} results for the killed tool use ${toolUseId}`);
    failures.push(...logInvariants(all));
    const followed = follower.events.map((e) => e.id).join(",");
    if (followed !== all.map((e) => e.id).join(",")) failures.push("the resuming subscriber's events differ from the log");
    console.log(
      `  second worker answered ${((Date.now() - killedAt) / 1000).toFixed(1)}s after the kill; ` +
        `the subscriber reconnected ${follower.reconnects} times`,
    );
    for (const drop of follower.drops) console.log(`    stream dropped at ${drop.at}: ${drop.why}`);
  } catch (err) {
    failures.push(String(err.message ?? err));
  } finally {
    await follower.stop();
    first.child.kill("SIGKILL");
    second?.child.kill("SIGTERM");
  }
  console.log(failures.length ? `  ✗ ${failures.join("\n    ")}` : "  ✓ the turn finished with exactly one result for the killed worker's tool use");
  return { ok: failures.length === 0, failures, summary: `worker kill: ${failures.length} failures` };
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
