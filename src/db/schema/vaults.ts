import { sql } from "drizzle-orm";
import { index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { CredentialAuth } from "../../schemas/credential-auth";

/** A named collection of credentials, usually one per end user of the builder's product. */
export const vaults = sqliteTable(
  "vaults",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    displayName: text("display_name").notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    archivedAt: text("archived_at"),
  },
  (t) => [index("vaults_workspace").on(t.workspaceId, t.id)],
);

/**
 * A credential: the public half of its auth config in `auth` (rendered as is) and every
 * secret in `secrets`, one AES-GCM envelope bound to this row (see lib/secret-box.ts).
 */
export const vaultCredentials = sqliteTable(
  "vault_credentials",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    vaultId: text("vault_id").notNull(),
    displayName: text("display_name"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    authType: text("auth_type").$type<CredentialAuth["type"]>().notNull(),
    mcpServerUrl: text("mcp_server_url"),
    secretName: text("secret_name"),
    auth: text("auth", { mode: "json" }).$type<CredentialAuth>().notNull(),
    secrets: text("secrets"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    archivedAt: text("archived_at"),
  },
  (t) => [
    index("vault_credentials_workspace").on(t.workspaceId, t.vaultId, t.id),
    uniqueIndex("vault_credentials_active_mcp_server")
      .on(t.vaultId, t.mcpServerUrl)
      .where(sql`archived_at IS NULL AND mcp_server_url IS NOT NULL`),
    uniqueIndex("vault_credentials_active_secret_name")
      .on(t.vaultId, t.secretName)
      .where(sql`archived_at IS NULL AND secret_name IS NOT NULL`),
  ],
);

export type VaultRow = typeof vaults.$inferSelect;
export type CredentialRow = typeof vaultCredentials.$inferSelect;
