import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** A custom skill: a name fixed by its first upload, and a pointer to its newest version. */
export const skills = sqliteTable(
  "skills",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    /** The kebab-case slug every version must keep. */
    name: text("name").notNull(),
    displayName: text("display_name").notNull(),
    source: text("source", { enum: ["custom"] }).notNull(),
    /**
     * The newest version's id; `NO_VERSION` ("") once a `skills-2025-10-02` client deleted every version, as that
     * beta allowed before deleting the skill itself (db/queries/skills.ts).
     */
    latestVersionId: text("latest_version_id").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("skills_workspace").on(t.workspaceId, t.id)],
);

/** An immutable upload of a skill. Its files are one store-only zip in R2 under `blobKey`. */
export const skillVersions = sqliteTable(
  "skill_versions",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    skillId: text("skill_id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    blobKey: text("blob_key").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    /** JSON: `[{path, size_bytes}]`, paths relative to the skill directory. */
    manifest: text("manifest").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("skill_versions_workspace").on(t.workspaceId, t.id),
    index("skill_versions_skill").on(t.workspaceId, t.skillId, t.id),
  ],
);
