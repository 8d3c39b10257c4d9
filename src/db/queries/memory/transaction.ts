import type { SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Database } from "../../client";
import { ApiError } from "../../../lib/errors";

const ATTEMPTS = 3;

const dialect = new SQLiteAsyncDialect();

/**
 * Runs statements as one D1 batch, which D1 applies as one transaction, and returns how many
 * rows each changed. (drizzle's own batch can't bind parameters of raw `sql` statements.)
 */
export async function transact(db: Database, statements: SQL[]): Promise<number[]> {
  const d1 = db.$client;
  const results = await d1.batch(
    statements.map((statement) => {
      const query = dialect.sqlToQuery(statement);
      return d1.prepare(query.sql).bind(...query.params);
    }),
  );
  return results.map((result) => result.meta.changes);
}

/** Re-runs a read-check-write attempt until its compare-and-swap lands (undefined = lost a race). */
export async function untilApplied<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const done = await attempt();
    if (done !== undefined) return done;
  }
  throw new ApiError("conflict_error", "the memory store changed concurrently while writing; retry the request");
}
