import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Uploaded (or session-produced) files. The bytes live in R2 under `blobKey`. */
export const files = sqliteTable(
  "files",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    filename: text("filename").notNull(),
    mimeType: text("mime_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    blobKey: text("blob_key").notNull(),
    downloadable: integer("downloadable", { mode: "boolean" }).notNull(),
    /** Set for files that belong to a session (`scope: {type: "session", id}`); lists filter on it. */
    scopeType: text("scope_type", { enum: ["session"] }),
    scopeId: text("scope_id"),
    expiresAt: text("expires_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("files_workspace").on(t.workspaceId, t.id), index("files_scope").on(t.workspaceId, t.scopeId, t.id)],
);
