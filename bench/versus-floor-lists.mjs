// The list measures of bench/versus-floor.mjs: sessions.list and agents.list against the floor's bare D1 page
// (`SELECT … ORDER BY id DESC LIMIT n` on an indexed table), events.list and a thread's event list against its bare
// DO SQLite page, at 1k rows and at N, interleaved sample by sample. The floor's rows are copies of the project's own
// (a session as sessions.list renders it, an event as events.list does), so both move the same bytes.
import { appendEvents, queryPlans, seedSessions } from "./scale.mjs";
import { pool, progress, round, summarize, table } from "./lib/report.mjs";

const SAMPLES = 30;
/** Sessions and agents created through the API; the rest are clones in D1. */
const API_ROWS = 50;
const TARGET = 1.3;

/** `maxEvents`: the log grows through events.send (100 a send), so its largest size is capped apart from D1's. */
export async function listsVersusFloor(stack, floor, s, { rows, maxEvents = 20_000 }) {
  const t = s.project.t;
  const floorClient = s.floor.client;
  // The project's rows: some sessions and agents through the API, the rest cloned from them in D1 (as bench/scale does),
  // and one session's log grown through events.send.
  await create(API_ROWS, "sessions (API)", () => t.newSession());
  await create(API_ROWS, "agents (API)", () => t.client.beta.agents.create({ name: `list-agent-${Math.random()}`, model: "claude-fake-1" }));
  const session = await t.newSession({ title: "many events" });
  const d1 = retryingD1(stack);
  let seeded = API_ROWS + 1;
  const threadId = await primaryThread(t, session.id);
  const floorSession = `floor_events_${Date.now()}`;
  const sessionBody = (await t.client.beta.sessions.list({ limit: 1 })).data[0];

  const results = [];
  const detail = [];
  for (const n of rows) {
    if (n > seeded) {
      seedSessions(d1, t, n - seeded, seeded);
      seedAgents(d1, t, n - seeded, seeded);
      seeded = n;
    }
    const events = Math.min(n, maxEvents);
    await appendEvents(t, session.id, events);
    const event = (await t.client.beta.sessions.events.list(session.id, { limit: 1 })).data[0];
    await post(floor, "/floor/seed", { count: n, body: sessionBody });
    await post(floor, `/floor/sessions/${floorSession}/seed`, { count: events, event });

    const cases = [
      ["sessions.list (limit 20)", () => t.client.beta.sessions.list({ limit: 20 }), () => floorClient.beta.sessions.list({ limit: 20 })],
      ["agents.list (limit 20)", () => t.client.beta.agents.list({ limit: 20 }), () => floorClient.beta.agents.list({ limit: 20 })],
      [
        "events.list (limit 100)",
        () => t.client.beta.sessions.events.list(session.id, { limit: 100 }),
        () => floorClient.beta.sessions.events.list(floorSession, { limit: 100 }),
      ],
    ];
    if (threadId) {
      cases.push([
        "threads.events.list (limit 100)",
        () => t.client.beta.sessions.threads.events.list(threadId, { session_id: session.id, limit: 100 }),
        () => floorClient.beta.sessions.events.list(floorSession, { limit: 100 }),
      ]);
    }
    for (const [name, project, floorPage] of cases) {
      const size = name.includes("events") ? events : n;
      const samples = await paired(`${name} @ ${size}`, project, floorPage);
      const p = summarize(samples.project);
      const f = summarize(samples.floor);
      const ratio = round(p.p50 / f.p50);
      detail.push({ list: name, rows: size, project: p, floor: f, ratio });
      results.push({
        measure: `${name} @ ${size.toLocaleString("en")} rows`,
        "project p50": p.p50,
        "floor p50": f.p50,
        ratio,
        target: `≤ ${TARGET}`,
        met: ratio <= TARGET ? "yes" : "NO",
        "project p99": p.p99,
        "floor p99": f.p99,
      });
    }
  }
  const plans = [...queryPlans(d1, t.workspaceId), ...agentPlans(d1, t.workspaceId)];
  const planTable = table(
    "List query plans (EXPLAIN QUERY PLAN)",
    plans.map((p) => ({ list: p.list, query: p.query, plan: p.plan, cost: p.scans ? "grows with N" : "O(page)" })),
  );
  return { rows: results, detail, plans, planTable };
}

async function create(count, label, make) {
  const bar = progress(label, count);
  await pool(Array.from({ length: count }), 8, async () => {
    await make();
    bar.tick();
  });
  bar.done();
}

/** A single-agent session's one thread (the primary), if the server lists it. */
async function primaryThread(t, sessionId) {
  try {
    return (await t.client.beta.sessions.threads.list(sessionId)).data[0]?.id;
  } catch {
    return undefined;
  }
}

async function paired(label, project, floorPage) {
  await project();
  await floorPage();
  const out = { project: [], floor: [] };
  const bar = progress(label, SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    const order = i % 2 === 0 ? ["project", "floor"] : ["floor", "project"];
    for (const side of order) {
      const started = performance.now();
      await (side === "project" ? project() : floorPage());
      out[side].push(performance.now() - started);
    }
    bar.tick();
  }
  bar.done();
  return out;
}

async function post(floor, route, body) {
  const res = await fetch(`${floor.baseURL}${route}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`floor ${route}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Clones a real agent (and its version row) `count` times in D1, with ids below every real one. */
function seedAgents(stack, t, count, offset) {
  const started = Date.now();
  const [template] = stack.d1(`SELECT id, version FROM agents WHERE workspace_id = '${t.workspaceId}' LIMIT 1`);
  const columns = (table) => stack.d1(`PRAGMA table_info(${table})`).map((c) => c.name);
  const agentCols = columns("agents").filter((c) => c !== "id");
  const versionCols = columns("agent_versions").filter((c) => c !== "agent_id" && c !== "id");
  for (let from = offset; from < offset + count; from += 50_000) {
    const to = Math.min(offset + count, from + 50_000);
    const ids = `WITH RECURSIVE n(i) AS (SELECT ${from + 1} UNION ALL SELECT i + 1 FROM n WHERE i < ${to})`;
    stack.d1(
      `INSERT INTO agents (id, ${agentCols.join(", ")}) ${ids}
       SELECT 'agent_0' || printf('%021d', i), ${agentCols.map((c) => `a.${c}`).join(", ")}
       FROM n, (SELECT * FROM agents WHERE id = '${template.id}') AS a`,
    );
    stack.d1(
      `INSERT INTO agent_versions (agent_id, id, ${versionCols.join(", ")}) ${ids}
       SELECT 'agent_0' || printf('%021d', i), 'agentver_0' || printf('%021d', i), ${versionCols.map((c) => `v.${c}`).join(", ")}
       FROM n, (SELECT * FROM agent_versions WHERE agent_id = '${template.id}' AND version = ${template.version}) AS v`,
    );
  }
  console.log(`  seeded ${count} agents into D1 in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

/**
 * `wrangler d1 execute --local` opens the same SQLite file as the running dev server, and meets SQLITE_BUSY while the
 * server writes: retried, a second apart.
 */
function retryingD1(stack) {
  const wait = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return {
    ...stack,
    d1(sql) {
      for (let attempt = 0; ; attempt++) {
        try {
          return stack.d1(sql);
        } catch (err) {
          if (attempt >= 20 || !/SQLITE_BUSY|database is locked|internal error/.test(String(err.message))) throw err;
          wait(1000);
        }
      }
    },
  };
}

function agentPlans(stack, workspaceId) {
  const sql = `SELECT * FROM agents INNER JOIN agent_versions ON agent_versions.agent_id = agents.id AND agent_versions.version = agents.version
    WHERE agents.workspace_id = '${workspaceId}' AND agents.archived_at IS NULL ORDER BY agents.id DESC LIMIT 21`;
  const details = stack.d1(`EXPLAIN QUERY PLAN ${sql}`).map((r) => r.detail);
  const scans = !details.some((d) => /agents USING .*workspace_id=\?/.test(d)) || details.some((d) => /TEMP B-TREE/.test(d));
  return [{ list: "agents (D1)", query: "first page", plan: details.join("; "), scans }];
}
