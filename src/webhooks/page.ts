import { z } from "zod";
import { and, asc, desc, gt, lt, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/**
 * The SDK's `Page` pagination (not `PageCursor`): `after_id` / `before_id` / `limit` in,
 * `{data, has_more, first_id, last_id}` out. The SDK walks forward with `after_id = last_id`,
 * or backward with `before_id = first_id` when the first request used `before_id`. Also the
 * files list of `files-api-2025-04-14` (routes/files.ts).
 */
export const idPageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    after_id: z.string().min(1).optional(),
    before_id: z.string().min(1).optional(),
    /** Sort by creation time; ids sort in creation order. */
    order: z.enum(["asc", "desc"]).default("desc"),
  })
  .refine((q) => !(q.after_id && q.before_id), { message: "pass after_id or before_id, not both", path: ["before_id"] });
export type IdPageQuery = z.infer<typeof idPageQuery>;

export interface IdPage<T> {
  data: T[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/** Lays out a page whose rows were fetched in travel order (`limit + 1` of them, to learn `has_more`). */
export function idPage<T extends { id: string }>(rows: T[], limit: number, backward: boolean): IdPage<T> {
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  if (backward) page.reverse();
  return { data: page, has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page[page.length - 1]?.id ?? null };
}

/** Keyset pagination over a table whose ids sort in creation order, in the SDK's `Page` shape. */
export async function paginateById<Row extends { id: string }, Item>(opts: {
  query: IdPageQuery;
  idColumn: SQLiteColumn;
  where?: SQL;
  fetch: (q: { where: SQL | undefined; orderBy: SQL; limit: number }) => Promise<Row[]>;
  map: (row: Row) => Item;
}): Promise<IdPage<Item>> {
  const { query } = opts;
  // Walking backward (before_id) reads in the opposite order, then flips the page back.
  const backward = query.before_id !== undefined;
  const ascending = (query.order === "asc") !== backward;
  const cursor = query.after_id ?? query.before_id;
  const rows = await opts.fetch({
    where: and(opts.where, cursor === undefined ? undefined : (ascending ? gt : lt)(opts.idColumn, cursor)),
    orderBy: ascending ? asc(opts.idColumn) : desc(opts.idColumn),
    limit: query.limit + 1,
  });
  const page = idPage(rows, query.limit, backward);
  return { ...page, data: page.data.map(opts.map) };
}
