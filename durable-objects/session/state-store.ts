import type { SessionState } from "./types";

/** The session's state row (everything but the log), in the same SQLite as the log so both commit together. */
export class StateStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL)`);
  }

  load(): SessionState | undefined {
    const row = this.sql.exec<{ body: string }>(`SELECT body FROM state WHERE id = 1`).toArray()[0];
    return row ? (JSON.parse(row.body) as SessionState) : undefined;
  }

  save(state: SessionState) {
    this.sql.exec(`INSERT INTO state (id, body) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body`, JSON.stringify(state));
  }
}
