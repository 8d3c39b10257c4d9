import { and, eq } from "drizzle-orm";
import type { Env } from "../../env";
import { database, type Database } from "../client";
import { files } from "../schema";
import { notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { nowIso } from "../../lib/time";
import { putChunks } from "../../lib/r2-upload";
import type { FileRow } from "../../schemas/files";

export const fileBlobKey = (workspaceId: string, fileId: string) => `workspaces/${workspaceId}/files/${fileId}`;

/** The file row in this workspace, or a 404 (another workspace's id included). */
export async function findFile(db: Database, workspaceId: string, fileId: string): Promise<FileRow> {
  const [row] = await db
    .select()
    .from(files)
    .where(and(eq(files.workspaceId, workspaceId), eq(files.id, fileId)))
    .limit(1);
  if (!row) throw notFound("file", fileId);
  return row;
}

export interface NewFile {
  workspaceId: string;
  filename: string;
  mimeType: string;
  body: AsyncIterable<Uint8Array>;
  maxBytes: number;
  /** For files a session produced; lists filter on `scope_id`. */
  scope?: { type: "session"; id: string };
  expiresAt?: string | null;
  downloadable?: boolean;
}

/**
 * Streams the bytes to R2, then records the row. For anything that produces files (sessions);
 * the upload route does the same in two steps because form fields may follow the file part.
 */
export async function storeFile(env: Pick<Env, "DB" | "BLOBS">, file: NewFile): Promise<FileRow> {
  const id = newId("file");
  const blobKey = fileBlobKey(file.workspaceId, id);
  const size = await putChunks(env.BLOBS, blobKey, file.body, {
    maxBytes: file.maxBytes,
    httpMetadata: { contentType: file.mimeType },
  });
  const now = nowIso();
  return recordFile(env, {
    id,
    workspaceId: file.workspaceId,
    filename: file.filename,
    mimeType: file.mimeType,
    sizeBytes: size,
    blobKey,
    downloadable: file.downloadable ?? true,
    scopeType: file.scope?.type ?? null,
    scopeId: file.scope?.id ?? null,
    expiresAt: file.expiresAt ?? null,
    createdAt: now,
    updatedAt: now,
  });
}

/** Inserts the row of a blob already in R2; if that fails the blob goes too, so no orphan is left. */
export async function recordFile(env: Pick<Env, "DB" | "BLOBS">, row: FileRow): Promise<FileRow> {
  try {
    await database(env.DB).insert(files).values(row);
  } catch (err) {
    await env.BLOBS.delete(row.blobKey).catch(() => {});
    throw err;
  }
  return row;
}

/** The file's bytes, or undefined once expired or gone from R2. */
export async function readFile(env: Pick<Env, "BLOBS">, row: FileRow): Promise<R2ObjectBody | undefined> {
  if (row.expiresAt && row.expiresAt <= nowIso()) return undefined;
  return (await env.BLOBS.get(row.blobKey)) ?? undefined;
}

export async function deleteFile(env: Pick<Env, "DB" | "BLOBS">, row: FileRow): Promise<void> {
  await database(env.DB)
    .delete(files)
    .where(and(eq(files.workspaceId, row.workspaceId), eq(files.id, row.id)));
  await env.BLOBS.delete(row.blobKey);
}
