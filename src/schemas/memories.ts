import { z } from "zod";
import { ApiError } from "../lib/errors";
import type { ActorType, MemoryRow, MemoryVersionRow } from "../db/schema/memory";
import { createdAtRange, listPage } from "./memory-stores";

/**
 * Memories and memory versions: request schemas mirroring the SDK's `Memory*Params` /
 * `MemoryVersion*Params`, their JSON renderings, and the two typed 409 errors.
 */

/** A memory's content is at most 100 kB of UTF-8. */
export const MAX_CONTENT_BYTES = 102_400;
const MAX_PATH_BYTES = 1024;
const MAX_PATH_SEGMENTS = 20;
/** `view=full` pages hold at most this many items, whatever `limit` asks for. */
export const FULL_VIEW_PAGE_CAP = 20;

const utf8 = new TextEncoder();
export const utf8Length = (text: string) => utf8.encode(text).length;

/** Lone surrogates have no UTF-8 encoding: the stored bytes (and their hash) would differ from what was sent. */
const LONE_SURROGATE = /\p{Cs}/u;
/** Control and format characters, and the line and paragraph separators. */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** Why `path` is not a valid memory path, or undefined when it is. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return "must start with /";
  if (utf8Length(path) > MAX_PATH_BYTES) return `must be at most ${MAX_PATH_BYTES} bytes`;
  const segments = path.slice(1).split("/");
  if (segments.length > MAX_PATH_SEGMENTS) return `must have at most ${MAX_PATH_SEGMENTS} segments`;
  if (segments.some((s) => s === "")) return "segments can't be empty (no trailing or doubled /)";
  if (segments.some((s) => s === "." || s === "..")) return "segments can't be . or ..";
  if (LONE_SURROGATE.test(path)) return "must be valid Unicode";
  if (INVISIBLE.test(path)) return "can't contain control characters, format characters, U+2028 or U+2029";
  if (path.normalize("NFC") !== path) return "must be in Unicode Normalization Form C";
  return undefined;
}

const checked = (problem: (value: string) => string | undefined) =>
  z.string().superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: "custom", message });
  });

export const memoryPath = checked(pathProblem);

/** `path_prefix`: "/" or a valid path followed by "/", so it matches whole segments. */
export const pathPrefix = checked((prefix) => {
  if (!prefix.startsWith("/") || !prefix.endsWith("/")) return "must start and end with /";
  return prefix === "/" ? undefined : pathProblem(prefix.slice(0, -1));
});

export const memoryContent = checked((content) => {
  if (LONE_SURROGATE.test(content)) return "must be valid UTF-8 text (it contains a lone surrogate)";
  const size = utf8Length(content);
  return size > MAX_CONTENT_BYTES ? `must be at most ${MAX_CONTENT_BYTES} bytes of UTF-8 (got ${size})` : undefined;
});

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hexadecimal characters");

export const view = z.enum(["basic", "full"]);
export type View = z.infer<typeof view>;

/** `view` where the route's default applies when it is omitted. */
export const viewQuery = (fallback: View) => z.object({ view: view.default(fallback) });

export const createMemory = z.strictObject({
  path: memoryPath,
  /** The SDK types it `string | null`; null is the empty memory. */
  content: memoryContent.nullable(),
});

export const updateMemory = z.strictObject({
  content: memoryContent.nullish(),
  path: memoryPath.nullish(),
  precondition: z.strictObject({ type: z.literal("content_sha256"), content_sha256: sha256 }).optional(),
});

export const deleteMemoryQuery = z.object({
  expected_content_sha256: sha256.optional(),
});

export const listMemoriesQuery = listPage.extend({
  path_prefix: pathPrefix.default("/"),
  depth: z.coerce.number().int().min(0).default(0),
  view: view.default("basic"),
});

export const operation = z.enum(["created", "modified", "deleted"]);

export const listVersionsQuery = listPage.extend(createdAtRange.shape).extend({
  memory_id: z.string().min(1).optional(),
  operation: operation.optional(),
  api_key_id: z.string().min(1).optional(),
  session_id: z.string().min(1).optional(),
  service_account_id: z.string().min(1).optional(),
  view: view.default("basic"),
});

/** Who wrote (or redacted) a version: the SDK's `BetaManagedAgentsActor`. */
export interface Actor {
  type: ActorType;
  id: string;
}

const ACTOR_ID_FIELD = {
  api_actor: "api_key_id",
  session_actor: "session_id",
  user_actor: "user_id",
  service_account_actor: "service_account_id",
} as const satisfies Record<ActorType, string>;

export const actorJson = (type: ActorType | null, id: string | null) =>
  type && id ? { type, [ACTOR_ID_FIELD[type]]: id } : null;

/** The SDK's `BetaManagedAgentsMemory`; `content` only with `view=full`. */
export const memoryJson = (m: MemoryRow, content: string | null) => ({
  type: "memory" as const,
  id: m.id,
  memory_store_id: m.memoryStoreId,
  path: m.path,
  content,
  content_sha256: m.contentSha256,
  content_size_bytes: m.contentSizeBytes,
  memory_version_id: m.memoryVersionId,
  created_at: m.createdAt,
  updated_at: m.updatedAt,
});

/** The SDK's `BetaManagedAgentsMemoryPrefix`: a rolled-up directory in a `depth` listing. */
export const memoryPrefixJson = (path: string) => ({ type: "memory_prefix" as const, path });

/** The SDK's `BetaManagedAgentsMemoryVersion`. Redacted and `deleted` versions carry no content. */
export const memoryVersionJson = (v: MemoryVersionRow, shown: View) => ({
  type: "memory_version" as const,
  id: v.id,
  memory_store_id: v.memoryStoreId,
  memory_id: v.memoryId,
  operation: v.operation,
  path: v.path,
  content: shown === "full" ? v.content : null,
  content_sha256: v.contentSha256,
  content_size_bytes: v.contentSizeBytes,
  created_at: v.createdAt,
  redacted_at: v.redactedAt,
  // Optional in the SDK, not nullable: an actor that is not known is left out.
  ...optionalActor("created_by", v.createdByType, v.createdById),
  ...optionalActor("redacted_by", v.redactedByType, v.redactedById),
});

const optionalActor = (field: "created_by" | "redacted_by", type: ActorType | null, id: string | null) => {
  const actor = actorJson(type, id);
  return actor ? { [field]: actor } : {};
};

/**
 * The memory API's own 409s, whose error objects carry more than `type` and `message`
 * (`BetaManagedAgentsMemoryPathConflictErrorObject`, `...PreconditionFailedErrorObject`).
 */
export const pathConflict = (conflicting: { id: string; path: string }, requested: string) =>
  new ApiError(
    "memory_path_conflict_error",
    conflicting.path === requested
      ? `a memory already exists at ${requested} (${conflicting.id}): update it, or rename or delete it first`
      : `${requested} overlaps the path of memory ${conflicting.id} (${conflicting.path}): one path can't be an ancestor of another`,
    409,
    { conflicting_path: conflicting.path, conflicting_memory_id: conflicting.id },
  );

export const preconditionFailed = (message: string) =>
  new ApiError("memory_precondition_failed_error", message, 409);
