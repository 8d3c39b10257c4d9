import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

const built = new WeakMap<D1Database, ReturnType<typeof build>>();
const build = (d1: D1Database) => drizzle(d1, { schema });

/**
 * Drizzle over the D1 binding, built once per binding: it holds no connection, but building it walks the whole
 * schema (relations included), which cost more CPU than most queries it then runs.
 */
export function database(d1: D1Database) {
  let db = built.get(d1);
  if (!db) built.set(d1, (db = build(d1)));
  return db;
}
export type Database = ReturnType<typeof database>;
