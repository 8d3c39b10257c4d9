// FLOOR worker. It speaks just enough of the project's session event API (same paths, same SSE framing,
// same event shapes) for the official SDK client to drive it exactly as it drives the project:
//   POST /v1/sessions/:id/events         -> DO RPC send(): one row appended (one SQLite transaction),
//                                           pushed to subscribers, ack returned; a user.message starts the
//                                           model step in the same instance without being awaited
//   GET  /v1/sessions/:id/events/stream  -> SSE from the DO (native IdentityTransformStream, like the project)
//   GET  /v1/sessions/:id/events/ws      -> hibernatable WebSocket from the DO (like the project)
//   GET  /health                         -> empty route (the wrangler dev hop alone)
// The model step: rebuild the conversation from the rows, the official SDK's messages.create({stream:true})
// to the fake model, consume it, append agent.message + session.status_idle in one transaction, push.
// No auth, no D1, no alarm, no webhooks, no mirror: what is left is the platform.
//
// Copied from ../shared/perf-floor (the reference the figures were measured with), plus the list floors:
//   GET  /v1/sessions, /v1/agents           -> one D1 `SELECT … ORDER BY id DESC LIMIT n+1` on an indexed table
//   GET  /v1/sessions/:id/events            -> one DO SQLite `SELECT … ORDER BY seq LIMIT n+1` (keyset on seq)
//   POST /floor/seed, /floor/sessions/:id/seed -> fill them (the bench copies a real row/event of the project)
import { DurableObject } from "cloudflare:workers";
import Anthropic from "@anthropic-ai/sdk";
import { Hono } from "hono";

interface Env {
  FLOOR: DurableObjectNamespace<FloorSession>;
  DB: D1Database;
  ANTHROPIC_BASE_URL: string;
  ANTHROPIC_API_KEY: string;
}

const app = new Hono<{ Bindings: Env }>();
const stub = (env: Env, id: string) => env.FLOOR.get(env.FLOOR.idFromName(id));

app.get("/health", (c) => c.json({ ok: true }));

app.post("/v1/sessions/:id/events", async (c) => {
  const body = await c.req.json<{ events: Record<string, unknown>[] }>();
  const events = await stub(c.env, c.req.param("id")).send(body.events);
  return c.json({ data: events });
});

app.get("/v1/sessions/:id/events/stream", (c) => stub(c.env, c.req.param("id")).fetch(new Request("https://floor/stream")));

app.get("/v1/sessions/:id/events/ws", (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return c.text("expected a WebSocket upgrade", 426);
  return stub(c.env, c.req.param("id")).fetch(new Request("https://floor/ws", { headers: { upgrade: "websocket" } }));
});

// ---- list floors -------------------------------------------------------------------------------------------------

const FLOOR_WORKSPACE = "floor";

/** The bare D1 page: the SDK's sessions.list and agents.list both read it. */
const d1Page = async (c: { env: Env; req: { query: (k: string) => string | undefined } }) => {
  const limit = Number(c.req.query("limit") ?? 20);
  const page = c.req.query("page");
  const { results } = await (page
    ? c.env.DB.prepare(`SELECT id, body FROM floor_rows WHERE workspace_id = ? AND id < ? ORDER BY id DESC LIMIT ?`).bind(FLOOR_WORKSPACE, page, limit + 1)
    : c.env.DB.prepare(`SELECT id, body FROM floor_rows WHERE workspace_id = ? ORDER BY id DESC LIMIT ?`).bind(FLOOR_WORKSPACE, limit + 1)
  ).all<{ id: string; body: string }>();
  const data = results.slice(0, limit);
  return { data: data.map((r) => JSON.parse(r.body)), next_page: results.length > limit ? data[data.length - 1].id : null };
};
app.get("/v1/sessions", async (c) => c.json(await d1Page(c)));
app.get("/v1/agents", async (c) => c.json(await d1Page(c)));

/** Grows the D1 table to `count` rows, each a copy of `body` (a real session as the project renders it). */
app.post("/floor/seed", async (c) => {
  const { count, body } = await c.req.json<{ count: number; body: unknown }>();
  await c.env.DB.exec(
    `CREATE TABLE IF NOT EXISTS floor_rows (workspace_id TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (workspace_id, id))`,
  );
  const have = (await c.env.DB.prepare(`SELECT COUNT(*) AS n FROM floor_rows`).first<{ n: number }>())!.n;
  for (let from = have; from < count; from += 50_000) {
    const to = Math.min(count, from + 50_000);
    await c.env.DB.prepare(
      `INSERT INTO floor_rows (workspace_id, id, body)
       WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       SELECT ?, 'row_' || printf('%021d', i), ? FROM n`,
    )
      .bind(from + 1, to, FLOOR_WORKSPACE, JSON.stringify(body))
      .run();
  }
  return c.json({ count: Math.max(have, count) });
});

app.get("/v1/sessions/:id/events", async (c) =>
  c.json(await stub(c.env, c.req.param("id")).page(Number(c.req.query("limit") ?? 20), c.req.query("page"))),
);

app.post("/floor/sessions/:id/seed", async (c) => {
  const { count, event } = await c.req.json<{ count: number; event: Record<string, unknown> }>();
  return c.json({ count: await stub(c.env, c.req.param("id")).seed(count, event) });
});

export default app;

type Stored = { id: string; type: string; processed_at: string; [k: string]: unknown };

const encoder = new TextEncoder();
let sdk: { env: Env; client: Anthropic } | undefined;
const client = (env: Env) => {
  if (sdk?.env !== env) sdk = { env, client: new Anthropic({ baseURL: env.ANTHROPIC_BASE_URL, apiKey: env.ANTHROPIC_API_KEY, maxRetries: 0 }) };
  return sdk.client;
};

export class FloorSession extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly sse = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  private seq = 0;
  private lastMicros = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL)`);
    this.seq = this.sql.exec<{ s: number | null }>(`SELECT MAX(seq) AS s FROM events`).one().s ?? 0;
  }

  async send(events: Record<string, unknown>[]): Promise<Stored[]> {
    const stored = this.ctx.storage.transactionSync(() => events.map((e) => this.append(e)));
    this.publish(stored);
    if (events.some((e) => e.type === "user.message")) this.ctx.waitUntil(this.step());
    return stored;
  }

  /** The bare DO page: keyset on seq, one query. */
  async page(limit: number, after?: string): Promise<{ data: unknown[]; next_page: string | null }> {
    const rows = this.sql
      .exec<{ seq: number; body: string }>(`SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, Number(after ?? 0), limit + 1)
      .toArray();
    const data = rows.slice(0, limit);
    return { data: data.map((r) => JSON.parse(r.body)), next_page: rows.length > limit ? String(data[data.length - 1].seq) : null };
  }

  /** Grows the log to `count` events, copies of `event` (each with its own id and time). */
  async seed(count: number, event: Record<string, unknown>): Promise<number> {
    while (this.seq < count) {
      const n = Math.min(count - this.seq, 1000);
      this.ctx.storage.transactionSync(() => {
        for (let i = 0; i < n; i++) this.append({ ...event });
      });
    }
    return this.seq;
  }

  private async step() {
    // Timing stamps (runtime clock) carried on the idle event as `_perf`, read by the bench; costs nothing measurable.
    const t: Record<string, number> = { step_start: Date.now() };
    const messages: Anthropic.MessageParam[] = [];
    for (const row of this.sql.exec<{ type: string; body: string }>(`SELECT type, body FROM events WHERE type IN ('user.message', 'agent.message') ORDER BY seq`)) {
      const e = JSON.parse(row.body) as { content: Anthropic.TextBlockParam[] };
      const role = row.type === "user.message" ? "user" : "assistant";
      const last = messages[messages.length - 1];
      if (last?.role === role) (last.content as Anthropic.TextBlockParam[]).push(...e.content);
      else messages.push({ role, content: [...e.content] });
    }
    t.request_built = Date.now();
    const stream = await client(this.env).messages.create({ model: "claude-fake-1", max_tokens: 16_384, messages, stream: true });
    t.response_headers = Date.now();
    let text = "";
    let stop: string | null = null;
    for await (const ev of stream) {
      if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") text += ev.delta.text;
      else if (ev.type === "message_delta") stop = ev.delta.stop_reason;
    }
    t.stream_done = Date.now();
    const stored = this.ctx.storage.transactionSync(() => [
      this.append({ type: "agent.message", content: [{ type: "text", text }] }),
      this.append({ type: "session.status_idle", stop_reason: { type: stop === "end_turn" ? "end_turn" : String(stop) }, stop_details: null, _perf: t }),
    ]);
    this.publish(stored);
  }

  private append(fields: Record<string, unknown>): Stored {
    const micros = Math.max(Date.now() * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    const seq = ++this.seq;
    const ms = Math.floor(micros / 1000);
    const event = { ...fields, id: `fevt_${seq}`, processed_at: `${new Date(ms).toISOString().slice(0, -1)}${String(micros % 1000).padStart(3, "0")}Z` } as Stored;
    this.sql.exec(`INSERT INTO events (seq, id, type, body) VALUES (?, ?, ?, ?)`, seq, event.id, event.type, JSON.stringify(event));
    return event;
  }

  private publish(events: Stored[]) {
    for (const event of events) {
      const frame = encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\nid: ${event.id}\n\n`);
      for (const writer of this.sse) writer.write(frame).catch(() => this.sse.delete(writer));
      const json = JSON.stringify(event);
      for (const ws of this.ctx.getWebSockets()) {
        try {
          ws.send(json);
        } catch {
          // closing
        }
      }
    }
  }

  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname === "/ws") {
      const pair = new WebSocketPair();
      this.ctx.acceptWebSocket(pair[1]);
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
    const { readable, writable } = new IdentityTransformStream({ highWaterMark: 1 << 20 });
    const writer = writable.getWriter();
    writer.write(encoder.encode(": connected\n\n")).catch(() => {});
    this.sse.add(writer);
    writer.closed.catch(() => this.sse.delete(writer));
    return new Response(readable, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
  }

  async webSocketMessage() {}

  async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
  }
}
