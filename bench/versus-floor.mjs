// 0. Project / floor: every measure of issue #16 taken on the project and on the floor (bench/floor, the least a turn
// costs on this platform) in one interleaved run, so the machine's load falls on both alike. Each is reported as
// project p50, floor p50 and their ratio, against the target ratio.
import { randomUUID } from "node:crypto";
import { cpuDuring } from "./lib/cpu.mjs";
import { openSse, openWs, say, sdk, tenant } from "./lib/fixtures.mjs";
import { progress, round, summarize, table } from "./lib/report.mjs";
import { listsVersusFloor } from "./versus-floor-lists.mjs";

/** A fresh session every this many turns, so the rebuilt conversation stays short (the floor's too). */
const TURNS_PER_SESSION = 10;

/** The two sides, driven by the same code: the project through a tenant, the floor through any session name. */
export async function sides(stack, floor) {
  const t = await tenant(stack, "versus-floor");
  const floorClient = sdk({ baseURL: floor.baseURL }, "floor-has-no-auth");
  return {
    project: { name: "project", baseURL: stack.baseURL, apiKey: t.apiKey, client: t.client, newSession: () => t.newSession(), t },
    floor: {
      name: "floor",
      baseURL: floor.baseURL,
      apiKey: "floor-has-no-auth",
      client: floorClient,
      newSession: async () => ({ id: `floor_${randomUUID()}` }),
    },
  };
}

/** Runs `a` and `b` alternately, `n` times each, swapping which goes first every time. */
async function interleaved(n, a, b, bar) {
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      await a(i);
      await b(i);
    } else {
      await b(i);
      await a(i);
    }
    bar?.tick();
  }
}

/** A side's turn runner: send → status_idle on a stream opened before, a new session every 10 turns. */
function turnRunner(side) {
  let session;
  let stream;
  let n = 0;
  return {
    async turn() {
      if (n++ % TURNS_PER_SESSION === 0) {
        stream?.close();
        session = await side.newSession();
        stream = await openSse(side.client, session.id);
      }
      const started = performance.now();
      await side.client.beta.sessions.events.send(session.id, { events: [say(`turn ${n}`)] });
      const ack = performance.now() - started;
      const events = await stream.until((e) => e.type === "session.status_idle");
      const total = performance.now() - started;
      const idle = events[events.length - 1];
      if (idle.stop_reason?.type !== "end_turn") throw new Error(`${side.name} turn ended with ${JSON.stringify(idle.stop_reason)}`);
      return { ack, total };
    },
    close: () => stream?.close(),
  };
}

async function turns(s, samples, warmup) {
  const runners = { project: turnRunner(s.project), floor: turnRunner(s.floor) };
  for (let i = 0; i < warmup; i++) {
    await runners.project.turn();
    await runners.floor.turn();
  }
  const out = { project: { ack: [], total: [] }, floor: { ack: [], total: [] } };
  const take = (name) => async () => {
    const r = await runners[name].turn();
    out[name].ack.push(r.ack);
    out[name].total.push(r.total);
  };
  await interleaved(samples, take("project"), take("floor"), progress("turns (project, floor)", samples));
  runners.project.close();
  runners.floor.close();
  return out;
}

/** Append (a `user.interrupt` to an idle session: no turn) → every one of `count` subscribers holds it. */
async function fanoutCase(side, transport, count) {
  const session = await side.newSession();
  let round = -1;
  let arrived = 0;
  let started = 0;
  let last = 0;
  const each = [];
  const received = (event, at) => {
    if (event.type !== "user.interrupt") return;
    each.push(at - started);
    arrived++;
    last = at;
  };
  const closers = [];
  for (let i = 0; i < count; i++) {
    if (transport === "sse") {
      const stream = await sdk({ baseURL: side.baseURL }, side.apiKey).beta.sessions.events.stream(session.id);
      void (async () => {
        try {
          for await (const event of stream) received(event, performance.now());
        } catch {
          // closed at the end
        }
      })();
      closers.push(() => stream.controller.abort());
    } else {
      const ws = await openWs({ baseURL: side.baseURL }, side.apiKey, session.id, received);
      closers.push(ws.close);
    }
  }
  return {
    /** One append; resolves with its ack time and when the last subscriber had it. */
    async append() {
      round++;
      arrived = 0;
      started = performance.now();
      await side.client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] });
      const ack = performance.now() - started;
      const deadline = Date.now() + 30_000;
      while (arrived < count) {
        if (Date.now() > deadline) throw new Error(`${side.name} ${transport} × ${count}: ${arrived} subscribers got append ${round}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      return { ack, last: last - started };
    },
    each,
    close: () => closers.forEach((close) => close()),
  };
}

async function fanouts(s, rounds) {
  const cases = [
    ["sse", 1],
    ["ws", 1],
    ["sse", 100],
    ["ws", 100],
  ];
  const out = [];
  for (const [transport, count] of cases) {
    const c = { project: await fanoutCase(s.project, transport, count), floor: await fanoutCase(s.floor, transport, count) };
    const last = { project: [], floor: [] };
    const ack = { project: [], floor: [] };
    const take = (name) => async () => {
      const r = await c[name].append();
      last[name].push(r.last);
      ack[name].push(r.ack);
    };
    await interleaved(rounds, take("project"), take("floor"), progress(`append → ${transport} × ${count}`, rounds));
    c.project.close();
    c.floor.close();
    out.push({ transport, count, each: { project: c.project.each, floor: c.floor.each }, last, ack });
  }
  return out;
}

/** CPU of every process per turn (wrangler's Node, its two workerd, the fake model, this client), in alternating blocks. */
async function cpuPerTurn(s, stack, floor, { blocks, turnsPerBlock }) {
  const runners = { project: turnRunner(s.project), floor: turnRunner(s.floor) };
  const groups = { project: [stack.pid, stack.modelPid], floor: [floor.pid, stack.modelPid] };
  const perTurn = { project: [], floor: [] };
  const block = (name) => async () => {
    const used = await cpuDuring(groups[name], async () => {
      for (let i = 0; i < turnsPerBlock; i++) await runners[name].turn();
    });
    perTurn[name].push((used.stack + used.client) / turnsPerBlock);
  };
  await interleaved(blocks, block("project"), block("floor"), progress(`CPU blocks of ${turnsPerBlock} turns`, blocks));
  runners.project.close();
  runners.floor.close();
  return perTurn;
}

const row = (measure, project, floor, target) => {
  const p = summarize(project);
  const f = summarize(floor);
  const ratio = round(p.p50 / f.p50);
  return {
    measure,
    "project p50": p.p50,
    "floor p50": f.p50,
    ratio,
    target: target ? `≤ ${target}` : "–",
    met: target ? (ratio <= target ? "yes" : "NO") : "–",
    "project p99": p.p99,
    "floor p99": f.p99,
  };
};

export async function versusFloor(stack, floor, { samples = 300, warmup = 20, rounds = 50, cpuBlocks = 6, cpuTurns = 25, listRows = [1000, 10_000], maxEvents = 20_000 } = {}) {
  console.log(`\n0. Project / floor, interleaved: ${samples} turns (--samples), ${rounds} appends per case (--rounds), lists at ${listRows.join(" and ")} rows (--list-rows)`);
  const s = await sides(stack, floor);
  const turn = await turns(s, samples, warmup);
  const fan = await fanouts(s, rounds);
  const cpu = await cpuPerTurn(s, stack, floor, { blocks: cpuBlocks, turnsPerBlock: cpuTurns });
  // The lists seed D1 from outside the server; a failure there keeps the measures above.
  const lists = await listsVersusFloor(stack, floor, s, { rows: listRows, maxEvents }).catch((err) => {
    console.error(`  lists failed: ${String(err.message).split("\n")[0]}`);
    return { rows: [], detail: [], plans: [], planTable: `Lists: FAILED (${String(err.message).split("\n")[0]})`, };
  });
  const fanRow = (transport, count, target) => {
    const c = fan.find((x) => x.transport === transport && x.count === count);
    return row(`append → ${count} ${transport === "sse" ? "SSE" : "WebSocket"} subscriber${count > 1 ? "s (last)" : ""}`, c.last.project, c.last.floor, target);
  };
  const rows = [
    row("turn: events.send → session.status_idle (stream opened before)", turn.project.total, turn.floor.total, 1.2),
    row("events.send acknowledged", turn.project.ack, turn.floor.ack, 1.2),
    fanRow("sse", 1, 1.2),
    fanRow("ws", 1, 1.2),
    fanRow("sse", 100),
    fanRow("ws", 100, 1.2),
    row("CPU per turn, all processes (ms; per block)", cpu.project, cpu.floor, 1.3),
    ...lists.rows,
  ];
  const text = table(`Project / floor, one interleaved run (ms)`, rows);
  return {
    samples,
    rounds,
    cpu_blocks: cpuBlocks,
    cpu_turns_per_block: cpuTurns,
    results: rows,
    turn: Object.fromEntries(Object.entries(turn).map(([k, v]) => [k, { ack: summarize(v.ack), total: summarize(v.total) }])),
    fanout: fan.map((c) => ({
      transport: c.transport,
      subscribers: c.count,
      each: { project: summarize(c.each.project), floor: summarize(c.each.floor) },
      last: { project: summarize(c.last.project), floor: summarize(c.last.floor) },
      ack: { project: summarize(c.ack.project), floor: summarize(c.ack.floor) },
    })),
    cpu_per_turn_ms: { project: summarize(cpu.project), floor: summarize(cpu.floor) },
    lists: lists.detail,
    plans: lists.plans,
    table: `${text}\n\n${lists.planTable}`,
  };
}
