import { and, asc, eq, gt, gte, inArray, lt, type SQL } from "drizzle-orm";
import type { Database } from "../../client";
import { memories, memoryVersions, type MemoryRow } from "../../schema";
import { memorySelection, type MemoryScope } from "./lookups";

/** Head contents by version id, for the memories a `view=full` page shows. */
export async function headContents(db: Database, versionIds: string[]) {
  if (!versionIds.length) return new Map<string, string | null>();
  const rows = await db
    .select({ id: memoryVersions.id, content: memoryVersions.content })
    .from(memoryVersions)
    .where(inArray(memoryVersions.id, versionIds));
  return new Map(rows.map((r) => [r.id, r.content]));
}

export type MemoryListItem = { kind: "memory"; memory: MemoryRow; content: string | null } | { kind: "prefix"; path: string };

export interface MemoryListing {
  /** "/" or a path ending in "/". */
  prefix: string;
  /** 0 lists every memory below `prefix`; n lists n levels and rolls deeper ones up into prefixes. */
  depth: number;
  limit: number;
  /** Key (memory path or prefix) of the last item of the previous page. */
  after?: string;
  withContent: boolean;
}

/**
 * A page of a store's memories in path order. Paths under a prefix form one range
 * (`prefix` ≤ p < prefix with its final '/' bumped to '0'), so both kinds of listing walk
 * the (store, path) index.
 */
export async function listMemories(db: Database, scope: MemoryScope, opts: MemoryListing) {
  const underPrefix = and(
    eq(memories.workspaceId, scope.workspaceId),
    eq(memories.memoryStoreId, scope.memoryStoreId),
    gte(memories.path, opts.prefix),
    lt(memories.path, `${opts.prefix.slice(0, -1)}0`),
  );
  const items: MemoryListItem[] =
    opts.depth === 0
      ? (
          await db
            .select(memorySelection(opts.withContent))
            .from(memories)
            .where(and(underPrefix, opts.after === undefined ? undefined : gt(memories.path, opts.after)))
            .orderBy(asc(memories.path))
            .limit(opts.limit + 1)
        ).map((row) => ({ kind: "memory" as const, ...row }))
      : await rolledUp(db, underPrefix, opts);
  const page = items.slice(0, opts.limit);
  const last = page[page.length - 1];
  return { items: page, nextAfter: items.length > opts.limit ? itemKey(last) : undefined };
}

const itemKey = (item: MemoryListItem) => (item.kind === "memory" ? item.memory.path : item.path);

/**
 * A `depth` listing: memories within `depth` levels of the prefix, deeper ones rolled up
 * into one prefix item per directory. The grouping needs every path below the prefix, which
 * the per-store cap bounds (paths only; content is read for the page's memories alone).
 */
async function rolledUp(db: Database, underPrefix: SQL | undefined, opts: MemoryListing): Promise<MemoryListItem[]> {
  const rows = await db.select().from(memories).where(underPrefix).orderBy(asc(memories.path));
  const items: MemoryListItem[] = [];
  for (const memory of rows) {
    const segments = memory.path.slice(opts.prefix.length).split("/");
    if (segments.length <= opts.depth) {
      items.push({ kind: "memory", memory, content: null });
      continue;
    }
    // Paths sharing a directory are contiguous in path order, so one item per run.
    const path = `${opts.prefix}${segments.slice(0, opts.depth).join("/")}/`;
    const previous = items[items.length - 1];
    if (previous?.kind !== "prefix" || previous.path !== path) items.push({ kind: "prefix", path });
  }
  const after = opts.after;
  const page = (after === undefined ? items : items.filter((item) => byCodePoint(itemKey(item), after) > 0)).slice(
    0,
    opts.limit + 1,
  );
  if (opts.withContent) {
    const contents = await headContents(
      db,
      page.slice(0, opts.limit).flatMap((item) => (item.kind === "memory" ? [item.memory.memoryVersionId] : [])),
    );
    for (const item of page) if (item.kind === "memory") item.content = contents.get(item.memory.memoryVersionId) ?? null;
  }
  return page;
}

/** Code point order, which is SQLite's byte order for UTF-8 text (JS's `<` compares UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (ch) => ch.codePointAt(0)!);
  const y = Array.from(b, (ch) => ch.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}
