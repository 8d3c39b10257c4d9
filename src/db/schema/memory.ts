import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** A named container of memories, mounted into sessions under /mnt/memory/. */
export const memoryStores = sqliteTable(
  "memory_stores",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    archivedAt: text("archived_at"),
  },
  (t) => [index("memory_stores_workspace").on(t.workspaceId, t.id)],
);

/**
 * A text document at a path. Its content is the content of its head version
 * (`memoryVersionId`), which every write replaces: comparing it is the optimistic lock.
 */
export const memories = sqliteTable(
  "memories",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    memoryStoreId: text("memory_store_id").notNull(),
    path: text("path").notNull(),
    contentSha256: text("content_sha256").notNull(),
    contentSizeBytes: integer("content_size_bytes").notNull(),
    memoryVersionId: text("memory_version_id").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("memories_store_path").on(t.memoryStoreId, t.path),
    index("memories_workspace").on(t.workspaceId, t.memoryStoreId, t.id),
  ],
);

export type MemoryOperation = "created" | "modified" | "deleted";
export type ActorType = "api_actor" | "session_actor" | "user_actor" | "service_account_actor";

/** One immutable entry of a memory's history; only redaction changes it afterwards. */
export const memoryVersions = sqliteTable(
  "memory_versions",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    memoryStoreId: text("memory_store_id").notNull(),
    memoryId: text("memory_id").notNull(),
    operation: text("operation").$type<MemoryOperation>().notNull(),
    path: text("path"),
    content: text("content"),
    contentSha256: text("content_sha256"),
    contentSizeBytes: integer("content_size_bytes"),
    createdByType: text("created_by_type").$type<ActorType>().notNull(),
    createdById: text("created_by_id").notNull(),
    createdAt: text("created_at").notNull(),
    redactedAt: text("redacted_at"),
    redactedByType: text("redacted_by_type").$type<ActorType>(),
    redactedById: text("redacted_by_id"),
  },
  (t) => [
    index("memory_versions_workspace").on(t.workspaceId, t.memoryStoreId, t.id),
    index("memory_versions_memory").on(t.memoryStoreId, t.memoryId, t.id),
  ],
);

export type MemoryStoreRow = typeof memoryStores.$inferSelect;
export type MemoryRow = typeof memories.$inferSelect;
export type MemoryVersionRow = typeof memoryVersions.$inferSelect;
