/**
 * Events too large for one SQLite row. The Durable Object's SQLite caps a row (and a string) at 2 MB, while an
 * event may carry up to MAX_EVENT_BYTES (a user message with a PDF, a web_fetch document, a long tool result).
 * Such an event's row keeps an empty body and its JSON is stored here in parts under the limit, in the same
 * transaction as the row: atomic with the commit (an acknowledged event is never half-stored), read back
 * synchronously, so every reader (events.list, SSE and WebSocket backlogs, the model's context) sees the same
 * event as if it were inline.
 */

/** Characters per part: 512 Ki UTF-16 units are at most 1.5 MiB of UTF-8, under the 2 MB row limit. */
const PART_CHARS = 512 * 1024;

export class EventOverflow {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS event_parts (seq INTEGER NOT NULL, part INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (seq, part))`);
  }

  fitsInline(body: string): boolean {
    return body.length <= PART_CHARS;
  }

  store(seq: number, body: string) {
    for (let part = 0, start = 0; start < body.length; part++) {
      let end = Math.min(start + PART_CHARS, body.length);
      // Never between the halves of a surrogate pair: SQLite would store each half as U+FFFD.
      if (end < body.length && isHighSurrogate(body.charCodeAt(end - 1))) end--;
      this.sql.exec(`INSERT INTO event_parts (seq, part, data) VALUES (?, ?, ?)`, seq, part, body.slice(start, end));
      start = end;
    }
  }

  load(seq: number): string {
    return this.sql
      .exec<{ data: string }>(`SELECT data FROM event_parts WHERE seq = ? ORDER BY part`, seq)
      .toArray()
      .map((r) => r.data)
      .join("");
  }
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
