import { Hono } from "hono";
import { and, desc, eq, inArray, type SQL } from "drizzle-orm";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { files } from "../db/schema";
import { deleteFile, fileBlobKey, findFile, readFile, recordFile } from "../db/queries/files";
import { ApiError, badRequest, codedBadRequest, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { contentDisposition, extensionFor, mimeTypeFor } from "../lib/mime";
import {
  FORM_OVERHEAD_BYTES,
  checkContentLength,
  multipartBoundary,
  parseMultipart,
  partText,
  uploadLimit,
} from "../lib/multipart";
import { paginate } from "../lib/pagination";
import { idPage, paginateById } from "../webhooks/page";
import { putChunks } from "../lib/r2-upload";
import { assertStorageFits } from "../limits/storage-quota";
import { nowIso } from "../lib/time";
import { describeIssues, validate } from "../lib/validation";
import { deletedFileJson, fileJson, listFilesQuery, uploadFields } from "../schemas/files";
import { FILES_API_BETA, wantsOldFilesPage } from "../schemas/legacy-betas";

/**
 * The Files API. The SDK sends no beta header for it, so it is not gated; SDKs before 0.122 send
 * `files-api-2025-04-14`, and get the list in that beta's `Page` shape (schemas/legacy-betas.ts).
 * Bytes stream from the multipart body straight into R2; only metadata goes to D1.
 */
export const fileRoutes = new Hono<AppEnv>();

const MAX_IDS = 100;

fileRoutes.post("/", async (c) => {
  const maxBytes = uploadLimit(c.env.MAX_UPLOAD_BYTES);
  const boundary = multipartBoundary(c.req.header("content-type"));
  checkContentLength(c.req.header("content-length"), maxBytes + FORM_OVERHEAD_BYTES);
  const body = c.req.raw.body;
  if (!body) throw badRequest("file: a file part is required");

  const workspaceId = c.var.workspaceId;
  const id = newId("file");
  const blobKey = fileBlobKey(workspaceId, id);
  let stored: { filename: string; mimeType: string; size: number } | undefined;
  const fields: Record<string, string> = {};

  try {
    for await (const part of parseMultipart(body, boundary, maxBytes + FORM_OVERHEAD_BYTES)) {
      if (part.name === "file") {
        if (part.filename === undefined) throw badRequest("file: must be a file part (with a filename), not a text field");
        if (stored) throw badRequest("file: upload one file per request");
        const mimeType = mimeTypeFor(part.filename, part.contentType);
        const filename = uploadedFilename(part.filename, mimeType);
        const size = await putChunks(c.env.BLOBS, blobKey, part.body, {
          maxBytes,
          httpMetadata: { contentType: mimeType },
        });
        stored = { filename, mimeType, size };
      } else if (part.filename !== undefined) {
        throw badRequest(`${part.name}: unexpected file part; the file goes in the \`file\` field`);
      } else {
        fields[part.name] = await partText(part);
      }
    }
    if (!stored) throw badRequest("file: a file part is required");
    const parsed = uploadFields.safeParse(fields);
    if (!parsed.success) throw badRequest(describeIssues(parsed.error.issues));
    await assertStorageFits(c.env, workspaceId, c.var.limits, stored.size);

    const now = nowIso();
    const seconds = parsed.data.expires_in_seconds;
    const row = await recordFile(c.env, {
      id,
      workspaceId,
      filename: stored.filename,
      mimeType: stored.mimeType,
      sizeBytes: stored.size,
      blobKey,
      // Unlike the hosted API (which only serves tool-generated files), uploads here can be read
      // back: the self-hosted worker and session tools fetch them through this same endpoint.
      downloadable: true,
      scopeType: null,
      scopeId: null,
      expiresAt: seconds ? new Date(Date.parse(now) + seconds * 1000).toISOString() : null,
      createdAt: now,
      updatedAt: now,
    });
    return c.json(fileJson(row));
  } catch (err) {
    if (stored) await c.env.BLOBS.delete(blobKey).catch(() => {});
    throw err;
  }
});

/** Only the final path component is kept; no name at all becomes `unnamed[.ext]`. */
function uploadedFilename(raw: string, mimeType: string): string {
  const base = raw.split(/[\\/]/).pop()?.trim();
  if (base) return base;
  const ext = extensionFor(mimeType);
  return ext ? `unnamed.${ext}` : "unnamed";
}

fileRoutes.get("/", validate("query", listFilesQuery), async (c) => {
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  const inWorkspace = eq(files.workspaceId, c.var.workspaceId);
  const scope = query.scope_id ? eq(files.scopeId, query.scope_id) : undefined;
  const oldPage = wantsOldFilesPage(c.var.betas);
  if (oldPage && query.page) throw badRequest(`page: with anthropic-beta ${FILES_API_BETA}, page with before_id / after_id`);
  if (!oldPage && (query.before_id || query.after_id)) {
    throw badRequest(`${query.before_id ? "before_id" : "after_id"}: only with anthropic-beta ${FILES_API_BETA}; page with \`page\` (the previous response's next_page)`);
  }

  const ids = [...new Set([...(c.req.queries("ids[]") ?? []), ...(c.req.queries("ids") ?? [])])];
  if (ids.length) {
    if (query.page || query.before_id || query.after_id || c.req.query("limit") !== undefined) {
      throw badRequest("ids: cannot be combined with page or limit");
    }
    if (ids.length > MAX_IDS) throw badRequest(`ids: at most ${MAX_IDS} ids`);
    const rows = await db
      .select()
      .from(files)
      .where(and(inWorkspace, scope, inArray(files.id, ids)))
      .orderBy(desc(files.id));
    const data = rows.map(fileJson);
    return c.json(oldPage ? idPage(data, data.length, false) : { data, next_page: null });
  }

  const list = {
    idColumn: files.id,
    where: and(inWorkspace, scope),
    fetch: (q: { where: SQL | undefined; orderBy: SQL; limit: number }) =>
      db.select().from(files).where(q.where).orderBy(q.orderBy).limit(q.limit),
    map: fileJson,
  };
  if (!oldPage) return c.json(await paginate({ ...list, params: query }));
  if (query.before_id && query.after_id) throw badRequest("before_id: pass after_id or before_id, not both");
  const { limit, before_id, after_id } = query;
  return c.json(await paginateById({ ...list, query: { limit, before_id, after_id, order: "desc" } }));
});

fileRoutes.get("/:file_id", async (c) => {
  return c.json(fileJson(await findFile(database(c.env.DB), c.var.workspaceId, c.req.param("file_id"))));
});

fileRoutes.get("/:file_id/content", async (c) => {
  const row = await findFile(database(c.env.DB), c.var.workspaceId, c.req.param("file_id"));
  if (!row.downloadable) throw codedBadRequest("file_not_downloadable", `file ${row.id} is not downloadable`);
  const object = await readFile(c.env, row);
  if (!object) throw notFound("file content (expired)", row.id);
  return c.body(object.body, 200, {
    "content-type": row.mimeType,
    "content-length": String(row.sizeBytes),
    "content-disposition": contentDisposition(row.filename),
  });
});

fileRoutes.delete("/:file_id", async (c) => {
  const row = await findFile(database(c.env.DB), c.var.workspaceId, c.req.param("file_id"));
  await deleteFile(c.env, row);
  return c.json(deletedFileJson(row.id));
});
