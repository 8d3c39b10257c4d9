import { z } from "zod";
import { and, asc, desc, gt, lt, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { badRequest } from "./errors";

/** Query params of the SDK's `PageCursor` lists: `limit` and the opaque `page` cursor. */
export const pageParams = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(20),
  page: z.string().min(1).optional(),
});
export type PageParams = z.infer<typeof pageParams>;

export type Order = "asc" | "desc";

/** What the SDK's PageCursor reads: `data` and `next_page` (null on the last page). */
export interface CursorPage<T> {
  data: T[];
  next_page: string | null;
}

interface Cursor {
  /** id of the last item the previous page returned */
  after: string;
  order: Order;
}

export function encodeCursor(cursor: Cursor): string {
  return btoa(JSON.stringify(cursor)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(page: string): Cursor {
  try {
    const json = atob(page.replace(/-/g, "+").replace(/_/g, "/"));
    const cursor = JSON.parse(json) as Cursor;
    if (typeof cursor.after === "string" && (cursor.order === "asc" || cursor.order === "desc")) return cursor;
  } catch {
    // fall through to the typed error
  }
  throw badRequest("page: invalid page cursor");
}

/**
 * Keyset pagination over a table whose ids sort in creation order.
 * `fetch` runs the actual select with the where/order/limit built here, so each route
 * keeps its own filters and row mapping while the cursor logic lives once.
 */
export async function paginate<Row extends { id: string }, Item>(opts: {
  params: PageParams;
  idColumn: SQLiteColumn;
  where?: SQL;
  order?: Order;
  fetch: (q: { where: SQL | undefined; orderBy: SQL; limit: number }) => Promise<Row[]>;
  map: (row: Row) => Item;
}): Promise<CursorPage<Item>> {
  const cursor = opts.params.page ? decodeCursor(opts.params.page) : undefined;
  const order = cursor?.order ?? opts.order ?? "desc";
  const after = cursor ? (order === "desc" ? lt : gt)(opts.idColumn, cursor.after) : undefined;
  const rows = await opts.fetch({
    where: and(opts.where, after),
    orderBy: order === "desc" ? desc(opts.idColumn) : asc(opts.idColumn),
    limit: opts.params.limit + 1,
  });
  const hasMore = rows.length > opts.params.limit;
  const page = hasMore ? rows.slice(0, opts.params.limit) : rows;
  return {
    data: page.map(opts.map),
    next_page: hasMore ? encodeCursor({ after: page[page.length - 1].id, order }) : null,
  };
}
