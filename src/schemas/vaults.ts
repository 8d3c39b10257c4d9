import { z } from "zod";
import type { VaultRow } from "../db/schema/vaults";
import { invalidMetadata } from "../lib/errors";
import { pageParams } from "../lib/pagination";

const MAX_METADATA_PAIRS = 16;
const metadataKey = z.string().min(1).max(64);
const metadataValue = z.string().max(512);

/** `metadata` on create: at most 16 pairs, keys up to 64 chars, values up to 512. */
export const metadata = z
  .record(metadataKey, metadataValue)
  .refine((m) => Object.keys(m).length <= MAX_METADATA_PAIRS, `at most ${MAX_METADATA_PAIRS} pairs`);

/** `metadata` on update: a patch where a string upserts a key and null deletes it. */
export const metadataPatch = z.record(metadataKey, metadataValue.nullable()).nullable();

/** Applies a metadata patch; the result must still fit the create limits. */
export function patchMetadata(
  current: Record<string, string>,
  patch: z.infer<typeof metadataPatch> | undefined,
): Record<string, string> {
  if (!patch) return current;
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > MAX_METADATA_PAIRS) {
    throw invalidMetadata(`metadata: at most ${MAX_METADATA_PAIRS} pairs after applying the patch`);
  }
  return next;
}

export const displayName = z.string().min(1).max(255);

export const createVault = z.strictObject({
  display_name: displayName,
  metadata: metadata.optional(),
});

export const updateVault = z.strictObject({
  display_name: displayName.nullish(),
  metadata: metadataPatch.optional(),
});

/** List query shared by vaults and credentials: the PageCursor params plus `include_archived`. */
export const listQuery = pageParams.extend({
  include_archived: z.stringbool().default(false),
});

/** The SDK's `BetaManagedAgentsVault`. */
export const vaultJson = (v: VaultRow) => ({
  type: "vault" as const,
  id: v.id,
  display_name: v.displayName,
  metadata: v.metadata,
  created_at: v.createdAt,
  updated_at: v.updatedAt,
  archived_at: v.archivedAt,
});
