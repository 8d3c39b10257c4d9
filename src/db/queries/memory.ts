import { and, asc, eq, getTableColumns, gt, gte, inArray, lt, ne, sql, type SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Database } from "../client";
import { memories, memoryStores, memoryVersions, type MemoryRow, type MemoryStoreRow } from "../schema";
import { ApiError, badRequest, notFound } from "../../lib/errors";
import { newId, sha256Hex } from "../../lib/ids";
import { nowIso } from "../../lib/time";
import { pathConflict, preconditionFailed, utf8Length, type Actor } from "../../schemas/memories";

/**
 * Memory writes. Each one reads, checks, then writes with a compare-and-swap in one D1 batch
 * (one transaction): the memory row changes only if the state it was checked against still
 * holds, and the version row is appended only if the memory row changed. A lost race re-reads
 * and re-checks, so preconditions and path rules hold even between concurrent writers.
 */

/** The hosted API's cap on memories per store (the SDK's sync sizes its upload pool by it). */
export const MAX_MEMORIES_PER_STORE = 2000;
const ATTEMPTS = 3;

/** A memory with its current content (that of its head version). */
export interface MemoryWithContent {
  memory: MemoryRow;
  content: string;
}

/** A memory store of this workspace, or a 404. */
export async function findMemoryStore(db: Database, workspaceId: string, storeId: string): Promise<MemoryStoreRow> {
  const [row] = await db
    .select()
    .from(memoryStores)
    .where(and(eq(memoryStores.id, storeId), eq(memoryStores.workspaceId, workspaceId)))
    .limit(1);
  if (!row) throw notFound("memory store", storeId);
  return row;
}

/** Memory columns plus `content`: the head version's, or NULL when the view leaves it out. */
export const memorySelection = <Full extends boolean>(withContent: Full) => ({
  memory: memories,
  content: (withContent
    ? sql`(SELECT ${memoryVersions.content} FROM ${memoryVersions} WHERE ${memoryVersions.id} = ${memories.memoryVersionId})`
    : sql`NULL`) as SQL<Full extends true ? string : null>,
});

/** A memory of this workspace's store, or a 404 (another tenant's ids included). */
export async function findMemory<Full extends boolean>(
  db: Database,
  workspaceId: string,
  storeId: string,
  memoryId: string,
  withContent: Full,
) {
  const [row] = await db
    .select(memorySelection(withContent))
    .from(memories)
    .where(
      and(eq(memories.id, memoryId), eq(memories.memoryStoreId, storeId), eq(memories.workspaceId, workspaceId)),
    )
    .limit(1);
  if (!row) throw notFound("memory", memoryId);
  return row;
}

/** A memory version of this workspace's store, or a 404. */
export async function findMemoryVersion(db: Database, workspaceId: string, storeId: string, versionId: string) {
  const [row] = await db
    .select()
    .from(memoryVersions)
    .where(
      and(
        eq(memoryVersions.id, versionId),
        eq(memoryVersions.memoryStoreId, storeId),
        eq(memoryVersions.workspaceId, workspaceId),
      ),
    )
    .limit(1);
  if (!row) throw notFound("memory version", versionId);
  return row;
}

/** Version columns with `content` only when the view shows it (a page could otherwise read megabytes). */
export function versionSelection(withContent: boolean) {
  const { content, ...rest } = getTableColumns(memoryVersions);
  return { ...rest, content: withContent ? content : sql<null>`NULL` };
}

/**
 * Memories whose path equals `path` or is an ancestor or descendant of it: `/a` and `/a/b`
 * can't both exist, since one would have to be a file and a directory at once in the mount.
 * Ancestors are matched exactly and descendants as a range (`path/` ≤ p < `path0`, as '0'
 * follows '/'), so both use the (store, path) index.
 */
function overlapping(path: string): SQL {
  const segments = path.slice(1).split("/");
  const selfAndAncestors = segments.map((_, i) => `/${segments.slice(0, i + 1).join("/")}`);
  return sql`(${memories.path} IN (${sql.join(
    selfAndAncestors.map((p) => sql`${p}`),
    sql`, `,
  )}) OR (${memories.path} >= ${`${path}/`} AND ${memories.path} < ${`${path}0`}))`;
}

type Scope = { workspaceId: string; memoryStoreId: string };

/** Checks a store can take a memory at `path` (archived, cap, overlaps), throwing the API's error if not. */
async function assertWritable(db: Database, scope: Scope, path: string, opts: { renaming?: string; adding?: boolean }) {
  const [store] = await db
    .select({
      archivedAt: memoryStores.archivedAt,
      count: sql<number>`(SELECT count(*) FROM ${memories} WHERE ${memories.memoryStoreId} = ${memoryStores.id})`,
    })
    .from(memoryStores)
    .where(and(eq(memoryStores.id, scope.memoryStoreId), eq(memoryStores.workspaceId, scope.workspaceId)))
    .limit(1);
  if (!store) throw notFound("memory store", scope.memoryStoreId);
  if (store.archivedAt) {
    throw badRequest(`memory store ${scope.memoryStoreId} is archived: its memories can be read and deleted, not written`);
  }
  if (opts.adding && store.count >= MAX_MEMORIES_PER_STORE) {
    throw badRequest(`memory store ${scope.memoryStoreId} already holds ${MAX_MEMORIES_PER_STORE} memories, the maximum`);
  }
  const [clash] = await db
    .select({ id: memories.id, path: memories.path })
    .from(memories)
    .where(
      and(
        eq(memories.memoryStoreId, scope.memoryStoreId),
        overlapping(path),
        opts.renaming ? ne(memories.id, opts.renaming) : undefined,
      ),
    )
    .limit(1);
  if (clash) throw pathConflict(clash, path);
}

/** SQL guard of a write: the store is still open for writes and nothing else holds an overlapping path. */
function writableGuard(scope: Scope, path: string, renaming?: string): SQL {
  return sql`EXISTS (SELECT 1 FROM ${memoryStores} WHERE ${memoryStores.id} = ${scope.memoryStoreId}
      AND ${memoryStores.workspaceId} = ${scope.workspaceId} AND ${memoryStores.archivedAt} IS NULL)
    AND NOT EXISTS (SELECT 1 FROM ${memories} WHERE ${memories.memoryStoreId} = ${scope.memoryStoreId}
      AND ${overlapping(path)} ${renaming ? sql`AND ${memories.id} <> ${renaming}` : sql``})`;
}

interface NewVersion {
  id: string;
  memoryId: string;
  operation: "created" | "modified" | "deleted";
  path: string;
  content: string | null;
  contentSha256: string | null;
  contentSizeBytes: number | null;
  actor: Actor;
  createdAt: string;
}

/** Appends a version, but only when `guard` (the memory row's expected state) holds. */
function appendVersion(scope: Scope, v: NewVersion, guard: SQL) {
  return sql`INSERT INTO memory_versions (id, workspace_id, memory_store_id, memory_id, operation, path,
      content, content_sha256, content_size_bytes, created_by_type, created_by_id, created_at)
    SELECT ${v.id}, ${scope.workspaceId}, ${scope.memoryStoreId}, ${v.memoryId}, ${v.operation}, ${v.path},
      ${v.content}, ${v.contentSha256}, ${v.contentSizeBytes}, ${v.actor.type}, ${v.actor.id}, ${v.createdAt}
    WHERE ${guard}`;
}

const headIs = (memoryId: string, versionId: string) =>
  sql`EXISTS (SELECT 1 FROM ${memories} WHERE ${memories.id} = ${memoryId} AND ${memories.memoryVersionId} = ${versionId})`;

const dialect = new SQLiteAsyncDialect();

/**
 * Runs statements as one D1 batch, which D1 applies as one transaction, and returns how many
 * rows each changed. (drizzle's own batch can't bind parameters of raw `sql` statements.)
 */
async function transact(db: Database, statements: SQL[]): Promise<number[]> {
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
async function untilApplied<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const done = await attempt();
    if (done !== undefined) return done;
  }
  throw new ApiError("conflict_error", "the memory store changed concurrently while writing; retry the request");
}

async function contentFacts(content: string) {
  return { contentSha256: await sha256Hex(content), contentSizeBytes: utf8Length(content) };
}

/** Creates a memory at `path` and its `created` version. */
export async function createMemory(db: Database, scope: Scope, input: { path: string; content: string; actor: Actor }) {
  const facts = await contentFacts(input.content);
  return untilApplied<MemoryWithContent>(async () => {
    await assertWritable(db, scope, input.path, { adding: true });
    const now = nowIso();
    const memory: MemoryRow = {
      id: newId("mem"),
      ...scope,
      path: input.path,
      ...facts,
      memoryVersionId: newId("memver"),
      createdAt: now,
      updatedAt: now,
    };
    const [inserted] = await transact(db, [
      sql`INSERT INTO memories (id, workspace_id, memory_store_id, path, content_sha256, content_size_bytes,
          memory_version_id, created_at, updated_at)
        SELECT ${memory.id}, ${memory.workspaceId}, ${memory.memoryStoreId}, ${memory.path}, ${memory.contentSha256},
          ${memory.contentSizeBytes}, ${memory.memoryVersionId}, ${now}, ${now}
        WHERE ${writableGuard(scope, memory.path)}
          AND (SELECT count(*) FROM ${memories} WHERE ${memories.memoryStoreId} = ${scope.memoryStoreId}) < ${MAX_MEMORIES_PER_STORE}`,
      appendVersion(
        scope,
        {
          ...facts,
          id: memory.memoryVersionId,
          memoryId: memory.id,
          operation: "created",
          path: memory.path,
          content: input.content,
          actor: input.actor,
          createdAt: now,
        },
        headIs(memory.id, memory.memoryVersionId),
      ),
    ]);
    return inserted ? { memory, content: input.content } : undefined;
  });
}

export interface MemoryChange {
  content?: string;
  path?: string;
  /** `content_sha256` the memory must have for the change to apply. */
  expectedSha256?: string;
}

/**
 * Changes a memory's content, path or both, as one `modified` version. A change that changes
 * nothing writes nothing. A failed precondition is a 409, unless the memory already is exactly
 * what was asked for (a retried request that did land).
 */
export async function updateMemory(db: Database, scope: Scope, memoryId: string, change: MemoryChange, actor: Actor) {
  const requestedFacts = change.content === undefined ? undefined : await contentFacts(change.content);
  return untilApplied<MemoryWithContent>(async () => {
    const current = await findMemory(db, scope.workspaceId, scope.memoryStoreId, memoryId, true);
    const { memory } = current;
    const path = change.path ?? memory.path;
    const facts = requestedFacts ?? { contentSha256: memory.contentSha256, contentSizeBytes: memory.contentSizeBytes };
    await assertWritable(db, scope, path, { renaming: memory.id });
    const unchanged = path === memory.path && facts.contentSha256 === memory.contentSha256;
    if (change.expectedSha256 && change.expectedSha256 !== memory.contentSha256) {
      if (unchanged) return current;
      throw preconditionFailed(
        `memory ${memory.id} no longer has content_sha256 ${change.expectedSha256}: retrieve it and retry against its current content`,
      );
    }
    if (unchanged) return current;

    const content = change.content ?? current.content;
    const now = nowIso();
    const next: MemoryRow = { ...memory, path, ...facts, memoryVersionId: newId("memver"), updatedAt: now };
    const [updated] = await transact(db, [
      sql`UPDATE memories SET path = ${path}, content_sha256 = ${next.contentSha256},
          content_size_bytes = ${next.contentSizeBytes}, memory_version_id = ${next.memoryVersionId}, updated_at = ${now}
        WHERE id = ${memory.id} AND workspace_id = ${scope.workspaceId} AND memory_version_id = ${memory.memoryVersionId}
          AND ${writableGuard(scope, path, memory.id)}`,
      appendVersion(
        scope,
        {
          ...facts,
          id: next.memoryVersionId,
          memoryId: memory.id,
          operation: "modified",
          path,
          content,
          actor,
          createdAt: now,
        },
        headIs(memory.id, next.memoryVersionId),
      ),
    ]);
    return updated ? { memory: next, content } : undefined;
  });
}

/** Deletes a memory, leaving its versions and a `deleted` one. Allowed in archived stores. */
export async function deleteMemory(
  db: Database,
  scope: Scope,
  memoryId: string,
  expectedSha256: string | undefined,
  actor: Actor,
) {
  return untilApplied<MemoryRow>(async () => {
    const { memory } = await findMemory(db, scope.workspaceId, scope.memoryStoreId, memoryId, false);
    if (expectedSha256 && expectedSha256 !== memory.contentSha256) {
      throw preconditionFailed(
        `memory ${memory.id} no longer has content_sha256 ${expectedSha256}: nothing was deleted; retrieve it and retry`,
      );
    }
    const version: NewVersion = {
      id: newId("memver"),
      memoryId: memory.id,
      operation: "deleted",
      path: memory.path,
      content: null,
      contentSha256: null,
      contentSizeBytes: null,
      actor,
      createdAt: nowIso(),
    };
    // The version goes first, guarded by the head this delete checked; the delete then
    // removes exactly that head, so both apply or neither does.
    const [appended] = await transact(db, [
      appendVersion(scope, version, headIs(memory.id, memory.memoryVersionId)),
      sql`DELETE FROM memories WHERE id = ${memory.id} AND workspace_id = ${scope.workspaceId}
        AND memory_version_id = ${memory.memoryVersionId}`,
    ]);
    return appended ? memory : undefined;
  });
}

/**
 * Blanks a version's content, hash, size and path; the record (operation, actor, times) stays.
 * The version holding a live memory's current content can't be redacted: the memory would
 * lose its content. Update or delete the memory first. Redacting twice returns the version as is.
 */
export async function redactMemoryVersion(db: Database, scope: Scope, versionId: string, actor: Actor) {
  const version = await findMemoryVersion(db, scope.workspaceId, scope.memoryStoreId, versionId);
  if (version.redactedAt) return version;
  const now = nowIso();
  const [redacted] = await transact(db, [
    sql`UPDATE memory_versions SET content = NULL, content_sha256 = NULL,
      content_size_bytes = NULL, path = NULL, redacted_at = ${now}, redacted_by_type = ${actor.type},
      redacted_by_id = ${actor.id}
    WHERE id = ${version.id} AND workspace_id = ${scope.workspaceId} AND redacted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM ${memories} WHERE ${memories.id} = ${version.memoryId}
        AND ${memories.memoryVersionId} = ${version.id})`,
  ]);
  if (!redacted) {
    const again = await findMemoryVersion(db, scope.workspaceId, scope.memoryStoreId, versionId);
    if (again.redactedAt) return again;
    throw new ApiError(
      "conflict_error",
      `memory version ${version.id} holds the current content of memory ${version.memoryId}: update or delete the memory, then redact this version`,
    );
  }
  return findMemoryVersion(db, scope.workspaceId, scope.memoryStoreId, versionId);
}

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
export async function listMemories(db: Database, scope: Scope, opts: MemoryListing) {
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
