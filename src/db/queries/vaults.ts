import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../client";
import { vaults } from "../schema";
import { notFound } from "../../lib/errors";

/** A vault of this workspace, or a 404: another workspace's vault does not exist for the caller. */
export async function findVault(db: Database, workspaceId: string, vaultId: string) {
  const [row] = await db
    .select()
    .from(vaults)
    .where(and(eq(vaults.id, vaultId), eq(vaults.workspaceId, workspaceId)))
    .limit(1);
  if (!row) throw notFound("vault", vaultId);
  return row;
}

/** For callers that take `vault_ids` (sessions): every id must be a vault of this workspace. */
export async function assertVaultsExist(db: Database, workspaceId: string, vaultIds: string[]) {
  if (!vaultIds.length) return;
  const found = await db
    .select({ id: vaults.id })
    .from(vaults)
    .where(and(eq(vaults.workspaceId, workspaceId), inArray(vaults.id, vaultIds)));
  const known = new Set(found.map((v) => v.id));
  const missing = vaultIds.find((id) => !known.has(id));
  if (missing) throw notFound("vault", missing);
}
