import { z } from "zod";
import type { files } from "../db/schema";
import { pageParams } from "../lib/pagination";
import { FILES_API_BETA } from "./legacy-betas";

export type FileRow = typeof files.$inferSelect;

/**
 * `GET /v1/files` query: the SDK's `FileListParams` (`ids` arrives as `ids[]=...`, read separately), and the
 * `before_id` / `after_id` of the older `Page` that requests with `files-api-2025-04-14` page with instead of `page`.
 */
export const listFilesQuery = pageParams.extend({
  scope_id: z.string().min(1).optional(),
  before_id: z.string().min(1).optional().describe(`With \`anthropic-beta: ${FILES_API_BETA}\` only: the page of files just before (newer than) this id.`),
  after_id: z.string().min(1).optional().describe(`With \`anthropic-beta: ${FILES_API_BETA}\` only: the page of files just after (older than) this id.`),
});

/** Text fields of the upload form besides `file`. */
export const uploadFields = z.strictObject({
  expires_in_seconds: z.coerce.number().int().min(3600).max(7_776_000).optional(),
});

/** `BetaFileMetadata`. */
export const fileJson = (f: FileRow) => ({
  type: "file" as const,
  id: f.id,
  filename: f.filename,
  mime_type: f.mimeType,
  size_bytes: f.sizeBytes,
  created_at: f.createdAt,
  downloadable: f.downloadable,
  expires_at: f.expiresAt,
  scope: f.scopeType && f.scopeId ? { type: f.scopeType, id: f.scopeId } : null,
});
export type FileJson = ReturnType<typeof fileJson>;

export const deletedFileJson = (id: string) => ({ id, type: "file_deleted" as const });
