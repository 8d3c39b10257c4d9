#!/usr/bin/env node
// `npm run bench:containers`: cloud sandboxes on real containers (the stack in container mode; needs a Docker engine,
// e.g. ../shared/containers-lab/up). Results in bench/results/containers.json.
//   --samples 20   warm tool calls and bare exec round trips
//   --mb 100       workspace size for the snapshot/restore measurement
// 1. first tool call on a cold container (the model's first event is timed too: it never waits for the container);
// 2. a warm bash tool call (agent.tool_use → user.tool_result, server clocks) vs a bare `sandbox.exec` from the Worker;
// 3. snapshot (squashfs to R2) and restore (next tool call in a new container) of an N MB workspace.
import { num, parseArgs } from "./lib/args.mjs";
import { createWorkspace, say, sdk } from "./lib/fixtures.mjs";
import { environment, summarize, table, writeResult } from "./lib/report.mjs";
import { processedMs } from "./turn-overhead.mjs";
import { startStack } from "../test/helpers/local-stack.mjs";

const args = parseArgs();
const samples = num(args, "samples", 20);
const mb = num(args, "mb", 100);
const env = environment();
console.log(`npm run bench:containers — ${env.cpus} CPUs, load average ${env.load_average_1m}`);
const stack = await startStack({ cloudSandbox: "container", vars: { HANDS_TEST_HOOKS: "1" }, log: (m) => console.log(`› ${m}`) });
const hook = async (path) => {
  const res = await fetch(`${stack.baseURL}/_hands/containers/${path}`, { method: "POST", headers: { authorization: `Bearer ${stack.adminToken}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
};

try {
  const { apiKey } = await createWorkspace(stack, "bench-containers");
  const client = sdk(stack, apiKey, { timeout: 900_000 });
  const agent = await client.beta.agents.create({ name: "bench", model: "claude-fake-1", tools: [{ type: "agent_toolset_20260401" }] });
  const environmentId = (await client.beta.environments.create({ name: `bench-${Date.now()}`, config: { type: "cloud", networking: { type: "unrestricted" } } })).id;
  const newSession = () => client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });

  /** One turn calling bash once; the events between send and idle, with the send time. */
  async function bashTurn(sessionId, command) {
    const stream = await client.beta.sessions.events.stream(sessionId);
    const sentAt = Date.now();
    await client.beta.sessions.events.send(sessionId, { events: [say(`[[tool:bash ${JSON.stringify({ command })}]]`)] });
    const events = [];
    for await (const event of stream) {
      events.push(event);
      if (event.type === "session.status_idle") break;
    }
    const use = events.find((e) => e.type === "agent.tool_use");
    const result = events.find((e) => e.type === "user.tool_result");
    if (!use || !result || result.is_error) throw new Error(`bash ${command}: ${JSON.stringify(result ?? events.map((e) => e.type))}`);
    return { sentAt, events, toolMs: processedMs(result) - processedMs(use), firstAgentEventMs: processedMs(use) - sentAt };
  }

  console.log("\n1. First tool call on a cold container, then warm calls");
  const session = await newSession();
  const cold = await bashTurn(session.id, "echo cold");
  const warm = [];
  for (let i = 0; i < samples; i++) warm.push((await bashTurn(session.id, `echo ${i}`)).toolMs);
  const bare = await hook(`exec?samples=${samples}`);

  console.log(`\n2. Snapshot and restore of a ${mb} MB workspace (random bytes: incompressible, the worst case)`);
  const big = await newSession();
  await bashTurn(big.id, `head -c ${mb}M /dev/urandom > big.bin && du -sh /workspace`);
  const snapshot = await hook(`snapshot?session=${big.id}`);
  const restore = await bashTurn(big.id, `ls -l big.bin`);
  // The same cold start without a snapshot to restore, for the difference.
  const coldAgain = await bashTurn((await newSession()).id, "echo cold");

  const rows = [
    { measure: "first tool call, cold container (tool_use → tool_result)", ms: cold.toolMs },
    { measure: "user.message sent → agent.tool_use (the model never waits for a container)", ms: cold.firstAgentEventMs },
    { measure: `warm bash tool call p50 (${samples})`, ms: summarize(warm).p50 },
    { measure: `warm bash tool call p99 (${samples})`, ms: summarize(warm).p99 },
    { measure: `bare sandbox.exec from the Worker p50 (${samples})`, ms: summarize(bare.warm).p50 },
    { measure: `bare sandbox.exec from the Worker p99 (${samples})`, ms: summarize(bare.warm).p99 },
    { measure: "bare sandbox.exec, cold container", ms: bare.cold },
    { measure: `snapshot of ${mb} MB (squashfs → R2, container destroyed)`, ms: snapshot.ms },
    { measure: `first tool call after it: cold container + restore`, ms: restore.toolMs },
    { measure: "same, cold container without a snapshot (another session)", ms: coldAgain.toolMs },
  ];
  const text = table(`Cloud sandboxes on containers (ms; snapshot archive ${snapshot.bytes === null ? "?" : (snapshot.bytes / 1048576).toFixed(1)} MB)`, rows);
  writeResult("containers", {
    samples,
    workspace_mb: mb,
    cold_tool_call_ms: cold.toolMs,
    first_agent_event_ms: cold.firstAgentEventMs,
    warm_tool_call: summarize(warm),
    bare_exec: { cold_ms: bare.cold, warm: summarize(bare.warm) },
    snapshot: { ms: snapshot.ms, archive_bytes: snapshot.bytes },
    restore_tool_call_ms: restore.toolMs,
    cold_tool_call_without_restore_ms: coldAgain.toolMs,
    table: text,
  });
} finally {
  await stack.stop();
}
