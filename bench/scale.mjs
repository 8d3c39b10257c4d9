// 3. Scale: sessions.list and events.list page times with 1k items and with N, side by side in one run,
// plus the query plans SQLite picks for them (D1 for sessions, the session DO's SQLite for events).
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { say, tenant } from "./lib/fixtures.mjs";
import { pool, progress, round, summarize, table } from "./lib/report.mjs";

const BASE = 1000;
/** Page-time samples per query shape. */
const SAMPLES = 25;

export async function scale(stack, { sessions = 10_000, events = 10_000, seed = "sql" } = {}) {
  console.log(`\n3. Scale: ${sessions} sessions (flag --sessions), a session with ${events} events (flag --events)`);
  console.log(
    seed === "sql"
      ? `  ${BASE} sessions created through the API, the rest inserted straight into D1 (rows cloned from a real one;\n` +
          `  sessions.list reads only D1). --seed api creates all of them through the API.`
      : "  every session created through the API (--seed api)",
  );
  const t = await tenant(stack, "scale");
  // Only the 20 oldest seeded sessions are this old; with the API seed none are (the worst case).
  const oldest = "2020-01-01T00:00:20.000Z";

  // Sessions: 1k through the API, measured, then grown to N and measured again.
  await createSessions(t, BASE, "sessions (API)");
  const sessionQueries = sessionListQueries(t, oldest);
  const sessionsAtBase = await measureQueries(sessionQueries, `sessions.list @ ${BASE}`);
  sessionsAtBase.walk = await walkSessions(t, `walk @ ${BASE}`);
  if (sessions > BASE) {
    if (seed === "api") await createSessions(t, sessions - BASE, "sessions (API)");
    else seedSessions(stack, t, sessions - BASE);
  }
  const sessionsAtN = await measureQueries(sessionQueries, `sessions.list @ ${sessions}`);
  sessionsAtN.walk = await walkSessions(t, `walk @ ${sessions}`);

  // Events: one session's log grown to 1k, measured, then to N.
  const session = await t.newSession({ title: "many events" });
  await appendEvents(t, session.id, BASE);
  const newest = async () => (await t.client.beta.sessions.events.list(session.id, { limit: 1, order: "desc" })).data[0].processed_at;
  const eventsAtBase = await measureQueries(eventListQueries(t, session.id, await newest()), `events.list @ ${BASE}`);
  eventsAtBase.walk = await walkEvents(t, session.id, `walk @ ${BASE}`);
  if (events > BASE) await appendEvents(t, session.id, events);
  const eventsAtN = await measureQueries(eventListQueries(t, session.id, await newest()), `events.list @ ${events}`);
  eventsAtN.walk = await walkEvents(t, session.id, `walk @ ${events}`);

  const compare = (label, base, atN) =>
    Object.keys(base).map((shape) => ({
      list: label,
      query: shape,
      [`p50 @ ${BASE}`]: base[shape].p50,
      [`p50 @ N`]: atN[shape].p50,
      [`p99 @ ${BASE}`]: base[shape].p99,
      [`p99 @ N`]: atN[shape].p99,
      ratio: round(atN[shape].p50 / base[shape].p50),
      flat: flat(base[shape].p50, atN[shape].p50) ? "yes" : "NO",
    }));
  const rows = [...compare(`sessions (N=${sessions})`, sessionsAtBase, sessionsAtN), ...compare(`events (N=${events})`, eventsAtBase, eventsAtN)];
  const text = table(`List page times, ${BASE} vs N items (ms; walk = every page of 100, start to end)`, rows);

  const plans = queryPlans(stack, t.workspaceId);
  const planText = table(
    "Query plans (EXPLAIN QUERY PLAN)",
    plans.map((p) => ({ list: p.list, query: p.query, plan: p.plan, cost: p.scans ? "grows with N" : "O(page)" })),
  );
  return {
    base: BASE,
    sessions,
    events,
    seed,
    samples_per_query: SAMPLES,
    results: rows,
    plans,
    table: `${text}\n\n${planText}`,
  };
}

/** Flat: the page at N costs at most twice the page at 1k, give or take 5 ms of noise on a shared machine. */
const flat = (base, atN) => atN <= base * 2 + 5;

async function createSessions(t, count, label) {
  const bar = progress(label, count);
  await pool(Array.from({ length: count }), 8, async () => {
    await t.newSession();
    bar.tick();
  });
  bar.done();
}

/** Clones a real session row `count` times with older ids and timestamps, in one INSERT. */
export function seedSessions(stack, t, count, offset = 0) {
  const started = Date.now();
  const [template] = stack.d1(`SELECT id FROM sessions WHERE workspace_id = '${t.workspaceId}' LIMIT 1`);
  const columns =
    "workspace_id, agent_id, agent_version, agent, environment_id, title, metadata, resources, vault_ids, status, usage, active_seconds, running_since, deployment_id, mirror_seq";
  // Ids below every real one ('sesn_0' + digits sorts before 'sesn_0<time>'), created_at matching their order.
  for (let from = offset; from < offset + count; from += 50_000) {
    const to = Math.min(offset + count, from + 50_000);
    stack.d1(
      `INSERT INTO sessions (id, ${columns}, created_at, updated_at, archived_at)
       WITH RECURSIVE n(i) AS (SELECT ${from + 1} UNION ALL SELECT i + 1 FROM n WHERE i < ${to})
       SELECT 'sesn_0' || printf('%021d', i), ${columns.split(", ").map((c) => `s.${c}`).join(", ")},
              strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01', '+' || i || ' seconds'), s.updated_at, NULL
       FROM n, (SELECT * FROM sessions WHERE id = '${template.id}') AS s`,
    );
  }
  console.log(`  seeded ${count} sessions into D1 in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

/**
 * Grows the log to `target` events with sends of 100: 99 messages and an interrupt, so each send
 * starts a turn and ends it before the model is called (102 events per send, no model traffic).
 */
export async function appendEvents(t, sessionId, target) {
  let count = (await t.client.beta.sessions.events.list(sessionId, { limit: 1000 })).data.length;
  if (count === 1000) count = await countEvents(t, sessionId);
  const sends = Math.ceil((target - count) / 102);
  const bar = progress(`events → ${target}`, Math.max(0, sends));
  for (let i = 0; i < sends; i++) {
    const batch = Array.from({ length: 99 }, (_, j) => say(`event ${i}-${j}: ${"lorem ipsum ".repeat(8)}`));
    batch.push({ type: "user.interrupt" });
    await t.client.beta.sessions.events.send(sessionId, { events: batch });
    bar.tick();
  }
  bar.done();
}

async function countEvents(t, sessionId) {
  let n = 0;
  for await (const _ of t.client.beta.sessions.events.list(sessionId, { limit: 1000 })) n++;
  return n;
}

const timed = async (fn) => {
  const started = performance.now();
  await fn();
  return performance.now() - started;
};

function sessionListQueries(t, oldest) {
  const list = (query) => () => t.client.beta.sessions.list(query);
  return {
    "first page (default limit 20)": list({}),
    "first page, limit 100, asc": list({ limit: 100, order: "asc" }),
    "agent_id": list({ agent_id: t.agent.id, limit: 20 }),
    "statuses[]=idle": list({ statuses: ["idle"], limit: 20 }),
    "statuses[]=idle,running": list({ statuses: ["idle", "running"], limit: 20 }),
    "deployment_id (few or none match)": list({ deployment_id: "depl_bench_none", limit: 20 }),
    "created_at[lte] (oldest only)": list({ "created_at[lte]": oldest, limit: 20 }),
    "memory_store_id (none match)": list({ memory_store_id: "memstore_bench_none", limit: 20 }),
  };
}

function eventListQueries(t, sessionId, newest) {
  const list = (query) => () => t.client.beta.sessions.events.list(sessionId, query);
  return {
    "first page, limit 100": list({ limit: 100 }),
    "first page, limit 100, desc": list({ limit: 100, order: "desc" }),
    "types[]=session.status_idle": list({ limit: 100, types: ["session.status_idle"] }),
    // Only the newest event matches: the worst case for a filter no index serves.
    "created_at[gte] (newest only)": () => list({ limit: 100, "created_at[gte]": newest })(),
  };
}

async function measureQueries(queries, label) {
  const bar = progress(label, Object.keys(queries).length * SAMPLES);
  const out = {};
  for (const [shape, run] of Object.entries(queries)) {
    await run(); // warm
    const samples = [];
    for (let i = 0; i < SAMPLES; i++) {
      samples.push(await timed(run));
      bar.tick();
    }
    out[shape] = summarize(samples);
  }
  bar.done();
  return out;
}

/** Every page of 100, first to last, as `for await` would walk them: each page's time. */
async function walkPages(firstPage, label) {
  const samples = [];
  let items = 0;
  let started = performance.now();
  let page = await firstPage();
  for (;;) {
    samples.push(performance.now() - started);
    items += page.data.length;
    if (!page.hasNextPage()) break;
    started = performance.now();
    page = await page.getNextPage();
  }
  console.log(`  ${label}: ${samples.length} pages, ${items} items`);
  return summarize(samples);
}

const walkSessions = (t, label) => walkPages(() => t.client.beta.sessions.list({ limit: 100 }), `sessions ${label}`);
const walkEvents = (t, sessionId, label) => walkPages(() => t.client.beta.sessions.events.list(sessionId, { limit: 100 }), `events ${label}`);

/**
 * The plans SQLite picks for the list queries, as the routes build them. `uses` is what the plan must show
 * for the page to cost O(page) rather than O(N): the filter served by an index, and no sort over all matches.
 */
export function queryPlans(stack, workspaceId) {
  const where = `workspace_id = '${workspaceId}' AND archived_at IS NULL`;
  const select = "SELECT * FROM sessions";
  const order = "ORDER BY id DESC LIMIT 21";
  const sessionSql = {
    "first page": [`${select} WHERE ${where} ${order}`, /\(workspace_id=\?\)/],
    "next page (cursor)": [`${select} WHERE ${where} AND id < 'sesn_x' ${order}`, /workspace_id=\? AND id<\?/],
    "agent_id": [`${select} WHERE ${where} AND agent_id = 'agent_x' ${order}`, /agent_id=\?/],
    "statuses[]=idle": [`${select} WHERE ${where} AND status IN ('idle') ${order}`, /status=\?/],
    "statuses[]=idle,running": [`${select} WHERE ${where} AND status IN ('idle', 'running') ${order}`, /status=\?/],
    "deployment_id": [`${select} WHERE ${where} AND deployment_id = 'depl_x' ${order}`, /deployment_id=\?/],
    "created_at[lte]": [`${select} WHERE ${where} AND created_at <= '2020-06-01' ${order}`, /created_at/],
    "memory_store_id": [
      `${select} WHERE ${where} AND EXISTS (SELECT 1 FROM json_each(resources) WHERE json_extract(value, '$.memory_store_id') = 'x') ${order}`,
      /memory_store_id/,
    ],
  };
  const plans = [];
  for (const [query, [sql, uses]] of Object.entries(sessionSql)) {
    const rows = stack.d1(`EXPLAIN QUERY PLAN ${sql}`);
    plans.push(planRow("sessions (D1)", query, rows.map((r) => r.detail), uses));
  }
  // events.list runs in the session's Durable Object SQLite; the busiest object file is the many-events session.
  const dbFile = busiestSessionObject(stack.persistDir);
  const cols = "SELECT seq, body, internal FROM events";
  const eventSql = {
    "first page": [`${cols} ORDER BY seq ASC LIMIT 101`, /^SCAN events$/],
    "next page (cursor)": [`${cols} WHERE seq > 500 ORDER BY seq ASC LIMIT 101`, /INTEGER PRIMARY KEY \(rowid>\?\)/],
    "desc, next page": [`${cols} WHERE seq < 500 ORDER BY seq DESC LIMIT 101`, /INTEGER PRIMARY KEY \(rowid<\?\)/],
    "types[]": [`${cols} WHERE type IN ('session.status_idle') ORDER BY seq ASC LIMIT 101`, /type=\?/],
    "types[] (two)": [`${cols} WHERE type IN ('session.status_idle', 'user.interrupt') ORDER BY seq ASC LIMIT 101`, /type=\?/],
    "created_at[gte]": [`${cols} WHERE ts_us >= 0 ORDER BY seq ASC LIMIT 101`, /ts_us/],
    "cursor lookup (page / Last-Event-ID)": ["SELECT seq FROM events WHERE id = 'sevt_x'", /\(id=\?\)/],
  };
  for (const [query, [sql, uses]] of Object.entries(eventSql)) {
    let details;
    try {
      const out = execFileSync("sqlite3", ["-readonly", dbFile, `EXPLAIN QUERY PLAN ${sql}`], { encoding: "utf8" });
      details = out.split("\n").map((l) => l.replace(/^[|`\- ]+/, "").trim()).filter((l) => l && l !== "QUERY PLAN");
    } catch (err) {
      details = [`(sqlite3 unavailable: ${String(err.message).split("\n")[0]})`];
    }
    plans.push(planRow("events (session DO)", query, details, uses));
  }
  return plans;
}

const planRow = (list, query, details, uses) => ({
  list,
  query,
  plan: details.join("; "),
  scans: !details.some((d) => uses.test(d)) || details.some((d) => /TEMP B-TREE/.test(d)),
});

function busiestSessionObject(persistDir) {
  const dir = path.join(persistDir, "v3", "do", "managed-agents-SessionDurableObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  const size = (f) => statSync(path.join(dir, f)).size + (statSync(path.join(dir, `${f}-wal`), { throwIfNoEntry: false })?.size ?? 0);
  files.sort((a, b) => size(b) - size(a));
  return path.join(dir, files[0]);
}
