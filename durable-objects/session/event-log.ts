import { newId } from "../../src/lib/ids";
import { EventOverflow } from "./event-overflow";
import type { EventDraft, InternalData, SessionEvent, StoredEvent } from "./types";

/**
 * The session's append-only event log in the DO's SQLite. The DO is its only writer, so log position
 * (`seq`) is the order: `processed_at` strictly increases along it (microsecond precision, bumped past the
 * previous event when the clock stands still or steps back), and cursors (`Last-Event-ID`, `page`) resolve
 * to a position, never to a timestamp.
 */
export class EventLog {
  private lastMicros = 0;
  private lastId = "";
  private readonly overflow: EventOverflow;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS events (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL,
      ts_us INTEGER NOT NULL,
      body TEXT NOT NULL,
      internal TEXT,
      thread TEXT,
      xpost INTEGER NOT NULL DEFAULT 0
    )`);
    addThreadColumns(sql);
    this.overflow = new EventOverflow(sql);
    sql.exec(`CREATE INDEX IF NOT EXISTS events_type ON events (type, seq)`);
    // Only child threads' rows are indexed: a single-agent session pays nothing for it.
    sql.exec(`CREATE INDEX IF NOT EXISTS events_thread ON events (thread, seq) WHERE thread IS NOT NULL`);
    const last = sql.exec<{ ts_us: number; id: string }>(`SELECT ts_us, id FROM events ORDER BY seq DESC LIMIT 1`).toArray()[0];
    if (last) {
      this.lastMicros = last.ts_us;
      this.lastId = last.id;
    }
  }

  /**
   * An id for an event that will be appended later (a streamed preview announces it first).
   * Ids are time-sortable and increase with every reservation or append.
   */
  reserveId(): string {
    let id = newId("sevt");
    if (id <= this.lastId) id = successor(this.lastId);
    this.lastId = id;
    return id;
  }

  /** Append in order. Call inside the caller's transaction so events and state commit together. */
  append(drafts: EventDraft[]): StoredEvent[] {
    return drafts.map((draft) => {
      const { internal, id: reserved, thread, crosspost, ...fields } = draft;
      const id = reserved ?? this.reserveId();
      const micros = Math.max(Date.now() * 1000, this.lastMicros + 1);
      this.lastMicros = micros;
      const event = { id, ...fields, processed_at: isoMicros(micros) } as SessionEvent;
      const body = JSON.stringify(event);
      const inline = this.overflow.fitsInline(body);
      const seq = this.sql
        .exec<{ seq: number }>(
          `INSERT INTO events (id, type, ts_us, body, internal, thread, xpost) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
          id,
          event.type,
          micros,
          inline ? body : "",
          internal ? JSON.stringify(internal) : null,
          thread ?? null,
          crosspost ? 1 : 0,
        )
        .one().seq;
      if (!inline) this.overflow.store(seq, body);
      return { seq, event, internal: internal ?? null, thread: thread ?? null, crosspost: Boolean(crosspost) };
    });
  }

  /** Log position of an event id, or undefined for an id this session never produced. */
  seqOf(id: string): number | undefined {
    return this.sql.exec<{ seq: number }>(`SELECT seq FROM events WHERE id = ?`, id).toArray()[0]?.seq;
  }

  lastSeq(): number {
    return this.sql.exec<{ seq: number | null }>(`SELECT MAX(seq) AS seq FROM events`).one().seq ?? 0;
  }

  /** Whether an event of one of these types was appended after the given position (in `scope`). */
  hasTypeAfter(type: SessionEvent["type"] | SessionEvent["type"][], seq: number, scope: LogScope = SESSION): boolean {
    const types = Array.isArray(type) ? type : [type];
    const [where, ...args] = scopeSql(scope);
    return (
      this.sql
        .exec(`SELECT 1 FROM events WHERE type IN (${types.map(() => "?").join(", ")}) AND seq > ? AND ${where} LIMIT 1`, ...types, seq, ...args)
        .toArray().length > 0
    );
  }

  /** Every event after a position, in order (stream backlogs, conversation rebuilds), in `scope`. */
  after(seq: number, limit = Number.MAX_SAFE_INTEGER, scope: LogScope = SESSION): StoredEvent[] {
    const [where, ...args] = scopeSql(scope);
    return this.sql
      .exec<Row>(`SELECT ${COLUMNS} FROM events WHERE seq > ? AND ${where} ORDER BY seq LIMIT ?`, seq, ...args, limit)
      .toArray()
      .map(this.toStored);
  }

  /** A page of the log for `events.list`: keyset on position, optional type and time filters. */
  page(query: {
    afterSeq?: number;
    order: "asc" | "desc";
    limit: number;
    types?: string[];
    fromMicros?: number;
    toMicros?: number;
    scope?: LogScope;
  }): StoredEvent[] {
    const [scoped, ...scopeArgs] = scopeSql(query.scope ?? SESSION);
    const where: string[] = [scoped];
    const args: (string | number)[] = [...scopeArgs];
    if (query.afterSeq !== undefined) {
      where.push(query.order === "asc" ? "seq > ?" : "seq < ?");
      args.push(query.afterSeq);
    }
    if (query.types?.length) {
      where.push(`type IN (${query.types.map(() => "?").join(", ")})`);
      args.push(...query.types);
    }
    if (query.fromMicros !== undefined) {
      where.push("ts_us >= ?");
      args.push(query.fromMicros);
    }
    if (query.toMicros !== undefined) {
      where.push("ts_us <= ?");
      args.push(query.toMicros);
    }
    const sql = `SELECT ${COLUMNS} FROM events WHERE ${where.join(" AND ")}
      ORDER BY seq ${query.order === "asc" ? "ASC" : "DESC"} LIMIT ?`;
    return this.sql
      .exec<Row>(sql, ...args, query.limit)
      .toArray()
      .map(this.toStored);
  }

  private readonly toStored = (row: Row): StoredEvent => ({
    seq: row.seq,
    event: JSON.parse(row.body || this.overflow.load(row.seq)) as SessionEvent,
    internal: row.internal ? (JSON.parse(row.internal) as InternalData) : null,
    thread: row.thread,
    crosspost: row.xpost === 1,
  });
}

type Row = { seq: number; body: string; internal: string | null; thread: string | null; xpost: number };
const COLUMNS = "seq, body, internal, thread, xpost";


/**
 * Which events a read sees. `session`: the session's own stream (the primary thread plus what child threads
 * cross-post to it); `thread`: one thread's own events (`null`: the primary's), what its conversation is
 * rebuilt from and what its thread stream shows. Single-agent sessions have no thread rows: both are the log.
 */
export type LogScope = { kind: "session" } | { kind: "thread"; thread: string | null };
export const SESSION: LogScope = { kind: "session" };

/** The scope's WHERE clause and its bound values. */
function scopeSql(scope: LogScope): [string, ...string[]] {
  if (scope.kind === "session") return ["(thread IS NULL OR xpost = 1)"];
  return scope.thread === null ? ["thread IS NULL"] : ["thread = ?", scope.thread];
}

/** Logs created before threads existed get the thread columns on first open. */
function addThreadColumns(sql: SqlStorage) {
  try {
    sql.exec(`SELECT thread, xpost FROM events LIMIT 0`);
  } catch {
    sql.exec(`ALTER TABLE events ADD COLUMN thread TEXT`);
    sql.exec(`ALTER TABLE events ADD COLUMN xpost INTEGER NOT NULL DEFAULT 0`);
  }
}

/** RFC 3339 with microseconds, e.g. `2026-05-18T03:40:48.888851Z`: fixed width, so it also sorts as text. */
export function isoMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  return `${new Date(ms).toISOString().slice(0, -1)}${String(micros % 1000).padStart(3, "0")}Z`;
}

/** Parses an RFC 3339 timestamp to microseconds, keeping sub-millisecond digits; undefined when invalid. */
export function parseMicros(value: string): number | undefined {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  const fraction = value.match(/\.(\d+)/)?.[1] ?? "";
  const extra = Number((fraction.slice(3, 6) || "0").padEnd(3, "0"));
  return ms * 1000 + extra;
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The next id after `id` in sort order, same length: keeps ids increasing when the clock does not. */
function successor(id: string): string {
  const chars = id.split("");
  for (let i = chars.length - 1; i > id.indexOf("_"); i--) {
    const digit = ALPHABET.indexOf(chars[i]);
    if (digit < ALPHABET.length - 1) {
      chars[i] = ALPHABET[digit + 1];
      return chars.join("");
    }
    chars[i] = ALPHABET[0];
  }
  return `${id}0`;
}
