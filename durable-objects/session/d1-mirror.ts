import type { SessionRow } from "../../src/db/schema";
import { outcomeEvaluations } from "./outcomes";
import type { SessionState } from "./types";

/**
 * How far D1 may lag the object while a model step runs: the step's own transitions (tool phases, the reply, idle)
 * are written once when it ends, or after this long if it is still running, so none of them overlaps the model call.
 * The transition that starts a turn is still written before `events.send` answers: a list filtered by status right
 * after a send must see the session running. `sessions.retrieve` reads these fields from the object
 * (`mirroredFields`), so it never sees the lag.
 */
export const MIRROR_LAG_MS = 1_000;

/**
 * Keeps the session's row in D1 (the cross-session index lists read) in step with the DO. Writes the whole
 * mirrored state each time, one write at a time, coalescing bursts into the latest state; the row's
 * `mirror_seq` guard drops a write that would land after a newer one. A failed write is simply redone by the
 * next flush, since each write carries the full state.
 *
 * `later` defers a write by up to MIRROR_LAG_MS (a model step is running), `settle` writes a deferred one now.
 *
 * The last `mirror_seq` D1 confirmed is kept in the object's own storage, so a write that a crash (or a D1
 * error) cut short is known on the next wake or alarm (`behind`) and redone then: otherwise a session whose
 * last transition was committed but never mirrored would read as `running` in D1 until its next transition.
 */
export class D1Mirror {
  private inFlight: Promise<void> | undefined;
  private dirty = false;
  private deferred: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly db: D1Database,
    private readonly current: () => SessionState | undefined,
    private readonly sql: SqlStorage,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS mirror (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL)`);
  }

  /** Whether D1 may hold an older state than this object: a mirror write has not been confirmed. */
  get behind(): boolean {
    const state = this.current();
    if (!state) return false;
    const confirmed = this.sql.exec<{ seq: number }>(`SELECT seq FROM mirror WHERE id = 1`).toArray()[0]?.seq ?? 0;
    return state.mirrorSeq > confirmed;
  }

  /** Writes the state within MIRROR_LAG_MS, or at the next `settle` or `flush`, whichever comes first. */
  later(keepAlive: (write: Promise<void>) => void) {
    if (this.deferred) return;
    this.deferred = setTimeout(() => keepAlive(this.flush()), MIRROR_LAG_MS);
  }

  /** A deferred write, if any, now (the model step it waited for ended). */
  settle(): Promise<void> {
    return this.deferred ? this.flush() : Promise.resolve();
  }

  /** Resolves once the state as of this call is in D1 (or the write failed and was logged). */
  flush(): Promise<void> {
    if (this.deferred !== undefined) clearTimeout(this.deferred);
    this.deferred = undefined;
    this.dirty = true;
    if (!this.inFlight) {
      this.inFlight = this.drain().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async drain() {
    while (this.dirty) {
      this.dirty = false;
      const state = this.current();
      if (!state) return;
      try {
        await write(this.db, state);
        this.sql.exec(
          `INSERT INTO mirror (id, seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET seq = MAX(seq, excluded.seq)`,
          state.mirrorSeq,
        );
      } catch (err) {
        console.error(JSON.stringify({ level: "error", message: "session mirror to D1 failed", session: state.sessionId, error: String(err) }));
        return;
      }
    }
  }
}

/** The session row's fields this object owns: what the mirror writes, and what `sessions.retrieve` overlays on D1's row. */
export function mirroredFields(s: SessionState) {
  return {
    status: s.status,
    usage: s.usage,
    activeSeconds: s.activeSeconds,
    runningSince: s.runningSince,
    title: s.title,
    metadata: s.metadata,
    agent: s.agent,
    archivedAt: s.archivedAt,
    updatedAt: s.updatedAt,
    mirrorSeq: s.mirrorSeq,
    outcomeEvaluations: outcomeEvaluations(s),
  } satisfies Partial<SessionRow>;
}
export type MirroredFields = ReturnType<typeof mirroredFields>;

function write(db: D1Database, state: SessionState) {
  const s = mirroredFields(state);
  return db
    .prepare(
      `UPDATE sessions SET status = ?, usage = ?, active_seconds = ?, running_since = ?, title = ?, metadata = ?,
         agent = ?, archived_at = ?, updated_at = ?, mirror_seq = ?, outcome_evaluations = ?
       WHERE id = ? AND workspace_id = ? AND mirror_seq < ?`,
    )
    .bind(
      s.status,
      JSON.stringify(s.usage),
      s.activeSeconds,
      s.runningSince,
      s.title,
      JSON.stringify(s.metadata),
      JSON.stringify(s.agent),
      s.archivedAt,
      s.updatedAt,
      s.mirrorSeq,
      JSON.stringify(s.outcomeEvaluations),
      state.sessionId,
      state.workspaceId,
      s.mirrorSeq,
    )
    .run();
}
