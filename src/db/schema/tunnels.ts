import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const tunnels = sqliteTable(
  "tunnels",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    displayName: text("display_name"),
    domain: text("domain").notNull().unique(),
    tokenId: text("token_id").notNull(),
    createdAt: text("created_at").notNull(),
    archivedAt: text("archived_at"),
  },
  (t) => [index("tunnels_workspace").on(t.workspaceId, t.id)],
);

export const tunnelCertificates = sqliteTable(
  "tunnel_certificates",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull(),
    tunnelId: text("tunnel_id").notNull(),
    caCertificatePem: text("ca_certificate_pem").notNull(),
    fingerprint: text("fingerprint").notNull(),
    expiresAt: text("expires_at"),
    createdAt: text("created_at").notNull(),
    archivedAt: text("archived_at"),
  },
  (t) => [index("tunnel_certificates_tunnel").on(t.tunnelId, t.id)],
);

export const tunnelTokenRotations = sqliteTable("tunnel_token_rotations", {
  id: text("id").primaryKey(),
  tunnelId: text("tunnel_id").notNull(),
  previousTokenId: text("previous_token_id").notNull(),
  reason: text("reason"),
  createdAt: text("created_at").notNull(),
});

export type TunnelRow = typeof tunnels.$inferSelect;
export type TunnelCertificateRow = typeof tunnelCertificates.$inferSelect;
