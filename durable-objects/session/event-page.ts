import { decodeCursor, encodeCursor } from "../../src/lib/pagination";
import type { ListEventsQuery } from "../../src/schemas/events";
import { parseMicros, type EventLog, type LogScope } from "./event-log";
import { threadOwnView } from "./thread-view";
import { fail, ok, type RpcResult, type SessionEvent } from "./types";

/**
 * A page of the log (`events.list`, or one thread's with a thread `scope`): keyset on log position, so pages never
 * skip or repeat; the cursor names the last event returned and carries the order.
 */
export function eventsPage(log: EventLog, query: ListEventsQuery, scope: LogScope | undefined): RpcResult<{ data: SessionEvent[]; next_page: string | null }> {
  let afterSeq: number | undefined;
  let order = query.order;
  if (query.page) {
    let cursor;
    try {
      cursor = decodeCursor(query.page);
    } catch {
      return fail("invalid_request_error", "page: invalid page cursor");
    }
    afterSeq = log.seqOf(cursor.after);
    if (afterSeq === undefined) return fail("invalid_request_error", "page: invalid page cursor");
    order = cursor.order;
  }
  const bound = (key: keyof ListEventsQuery, offset: number) => {
    const value = query[key] as string | undefined;
    const micros = value === undefined ? undefined : parseMicros(value);
    return micros === undefined ? undefined : micros + offset;
  };
  const from = max(bound("created_at[gte]", 0), bound("created_at[gt]", 1));
  const to = min(bound("created_at[lte]", 0), bound("created_at[lt]", -1));
  const rows = log.page({ afterSeq, order, limit: query.limit + 1, types: query.types, fromMicros: from, toMicros: to, scope });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return ok({
    data: page.map((r) => (scope?.kind === "thread" ? threadOwnView(r.event) : r.event)),
    next_page: rows.length > query.limit && last ? encodeCursor({ after: last.event.id, order }) : null,
  });
}

const max = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
const min = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
