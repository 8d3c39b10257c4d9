// The list measures of bench/versus-floor.mjs: sessions.list and agents.list against the floor's bare D1 page
// (`SELECT … ORDER BY id DESC LIMIT n` on an indexed table), events.list and a thread's event list against its bare
// DO SQLite page, at 1k rows and at N, interleaved sample by sample. The floor's rows are copies of the project's own
// (a session as sessions.list renders it, an event as events.list does), so both move the same bytes.
import { appendEvents, queryPlans, seedSessions } from "./scale.mjs";
import { pool, progress, round, summarize, table } from "./lib/report.mjs";

const SAMPLES = 30;
const TARGET = 1.3;

export async function listsVersusFloor(stack, floor, s, { rows }) {
  const t = s.project.t;
  const floorClient = s.floor.client;
  const base = rows[0];
  // The project's rows: sessions and agents through the API up to the first size, events in one session.
  await create(base - 1, "sessions (API)", () => t.newSession()); // + the one with many events
  await create(base - 1, "agents (API)", () => t.client.beta.agents.create({ name: `list-agent-${Math.random()}`, model: "claude-fake-1" }));
  const session = await t.newSession({ title: "many events" });
  const threadId = await primaryThread(t, session.id);
  const floorSession = `floor_events_${Date.now()}`;
  const sessionBody = (await t.client.beta.sessions.list({ limit: 1 })).data[0];

  const results = [];
  const detail = [];
  for (const n of rows) {
    if (n > base) {
      seedSessions(stack, t, n - base);
      seedAgents(stack, t, n - base);
    }
    await appendEvents(t, session.id, n);
    const event = (await t.client.beta.sessions.events.list(session.id, { limit: 1 })).data[0];
    await post(floor, "/floor/seed", { count: n, body: sessionBody });
    await post(floor, `/floor/sessions/${floorSession}/seed`, { count: n, event });

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
      const samples = await paired(`${name} @ ${n}`, project, floorPage);
      const p = summarize(samples.project);
      const f = summarize(samples.floor);
      const ratio = round(p.p50 / f.p50);
      detail.push({ list: name, rows: n, project: p, floor: f, ratio });
      results.push({
        measure: `${name} @ ${n.toLocaleString("en")} rows`,
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
  const plans = [...queryPlans(stack, t.workspaceId), ...agentPlans(stack, t.workspaceId)];
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
function seedAgents(stack, t, count) {
  const started = Date.now();
  const [template] = stack.d1(`SELECT id, version FROM agents WHERE workspace_id = '${t.workspaceId}' LIMIT 1`);
  const columns = (table) => stack.d1(`PRAGMA table_info(${table})`).map((c) => c.name);
  const agentCols = columns("agents").filter((c) => c !== "id");
  const versionCols = columns("agent_versions").filter((c) => c !== "agent_id" && c !== "id");
  for (let from = 0; from < count; from += 50_000) {
    const to = Math.min(count, from + 50_000);
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

function agentPlans(stack, workspaceId) {
  const sql = `SELECT * FROM agents INNER JOIN agent_versions ON agent_versions.agent_id = agents.id AND agent_versions.version = agents.version
    WHERE agents.workspace_id = '${workspaceId}' AND agents.archived_at IS NULL ORDER BY agents.id DESC LIMIT 21`;
  const details = stack.d1(`EXPLAIN QUERY PLAN ${sql}`).map((r) => r.detail);
  const scans = !details.some((d) => /agents USING .*workspace_id=\?/.test(d)) || details.some((d) => /TEMP B-TREE/.test(d));
  return [{ list: "agents (D1)", query: "first page", plan: details.join("; "), scans }];
}
