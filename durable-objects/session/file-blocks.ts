import { bytesToBase64 } from "../../src/lib/base64";
import type Anthropic from "@anthropic-ai/sdk";
import type { Env } from "../../src/env";
import { MAX_EVENT_BYTES } from "./event-size";

/**
 * `{type: "file", file_id}` sources in image and document blocks name files of *this* server (the Files API
 * here), never files of the upstream Messages API account, which all tenants share: passing the id on would
 * let one tenant name another's upstream file. So:
 *
 * - when an event is sent, every file it names must be one of the workspace's own files (else 404), and
 * - before each model request, each such block is replaced by the file's content from R2: an image as base64,
 *   a PDF as a base64 document, a text file as a text document. A file deleted since, too large (over
 *   MAX_EVENT_BYTES) or of a type the block cannot carry becomes a text block saying so. No file id ever
 *   reaches the upstream.
 */

type Block = { type: string; source?: { type: string; file_id?: string }; content?: unknown };

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/** The file ids an event's content blocks name (top level, and inside tool results). */
export function fileIdsIn(content: unknown): string[] {
  if (!Array.isArray(content)) return [];
  return (content as Block[]).flatMap((b) => [
    ...((b.type === "image" || b.type === "document") && b.source?.type === "file" && b.source.file_id ? [b.source.file_id] : []),
    ...fileIdsIn(b.content),
  ]);
}

/** The ids among `ids` that are not files of the workspace. */
export async function foreignFileIds(db: D1Database, workspaceId: string, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (!unique.length) return [];
  const { results } = await db
    .prepare(`SELECT id FROM files WHERE workspace_id = ? AND id IN (${unique.map(() => "?").join(", ")})`)
    .bind(workspaceId, ...unique)
    .all<{ id: string }>();
  const own = new Set(results.map((r) => r.id));
  return unique.filter((id) => !own.has(id));
}

type Resolved = { kind: "image" | "pdf" | "text"; mediaType: string; data: string } | { kind: "unavailable"; why: string };

/** Resolved files, per isolate: files never change once uploaded, so a session's later steps reuse them. */
const cache = new Map<string, Resolved>();
let cachedBytes = 0;
const CACHE_BYTES = 32 * 1024 * 1024;

async function resolve(env: Env, workspaceId: string, fileId: string): Promise<Resolved> {
  const key = `${workspaceId}/${fileId}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const row = await env.DB.prepare(`SELECT mime_type, size_bytes, blob_key FROM files WHERE workspace_id = ? AND id = ?`)
    .bind(workspaceId, fileId)
    .first<{ mime_type: string; size_bytes: number; blob_key: string }>();
  if (!row) return { kind: "unavailable", why: `file ${fileId} no longer exists` };
  if (row.size_bytes > (MAX_EVENT_BYTES * 3) / 4) return { kind: "unavailable", why: `file ${fileId} is ${row.size_bytes} bytes, too large to send to the model` };
  const object = await env.BLOBS.get(row.blob_key);
  if (!object) return { kind: "unavailable", why: `file ${fileId} has no content` };
  const bytes = new Uint8Array(await object.arrayBuffer());
  const mediaType = row.mime_type.split(";")[0].trim().toLowerCase();
  const resolved: Resolved = IMAGE_TYPES.has(mediaType)
    ? { kind: "image", mediaType, data: bytesToBase64(bytes) }
    : mediaType === "application/pdf"
      ? { kind: "pdf", mediaType, data: bytesToBase64(bytes) }
      : mediaType.startsWith("text/")
        ? { kind: "text", mediaType: "text/plain", data: new TextDecoder().decode(bytes) }
        : { kind: "unavailable", why: `file ${fileId} is ${mediaType}, which the model cannot read` };
  if (resolved.kind !== "unavailable") {
    if (cachedBytes + resolved.data.length > CACHE_BYTES) {
      cache.clear();
      cachedBytes = 0;
    }
    cache.set(key, resolved);
    cachedBytes += resolved.data.length;
  }
  return resolved;
}

/** Replaces, in place, every file-sourced block of the request's messages by the file's content (see above). */
export async function resolveFileBlocks(env: Env, workspaceId: string, messages: Anthropic.MessageParam[]): Promise<void> {
  const visit = async (content: unknown): Promise<void> => {
    if (!Array.isArray(content)) return;
    for (const [i, block] of (content as Block[]).entries()) {
      if (block.type === "tool_result") await visit(block.content);
      if ((block.type !== "image" && block.type !== "document") || block.source?.type !== "file" || !block.source.file_id) continue;
      const file = await resolve(env, workspaceId, block.source.file_id);
      const { source: _named, ...rest } = block;
      if (file.kind === "image" && block.type === "image") content[i] = { ...rest, source: { type: "base64", media_type: file.mediaType, data: file.data } };
      else if (file.kind === "pdf" && block.type === "document") content[i] = { ...rest, source: { type: "base64", media_type: file.mediaType, data: file.data } };
      else if (file.kind === "text" && block.type === "document") content[i] = { ...rest, source: { type: "text", media_type: "text/plain", data: file.data } };
      else {
        const why = file.kind === "unavailable" ? file.why : `file ${block.source.file_id} (${file.mediaType}) cannot be used as ${block.type === "image" ? "an image" : "a document"}`;
        content[i] = { type: "text", text: `[${why}]` };
      }
    }
  };
  for (const message of messages) await visit(message.content);
}

