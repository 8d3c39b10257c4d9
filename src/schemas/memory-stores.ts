import { z } from "zod";
import type { MemoryStoreRow } from "../db/schema/memory";
import { metadata, metadataPatch } from "./vaults";

/**
 * Memory store bodies and queries, mirroring the SDK's `MemoryStore*Params`, and the
 * query pieces the memory and memory version lists share with the store list.
 */

const CONTROL = /\p{Cc}/u;

/** 1–255 characters without control characters; names need not be unique. */
const storeName = z
  .string()
  .min(1)
  .max(255)
  .refine((name) => !CONTROL.test(name), "must not contain control characters");

/** Shown to the agent in its system prompt; "" when unset. */
const description = z.string().max(1024);

export const createMemoryStore = z.strictObject({
  name: storeName,
  description: description.optional(),
  metadata: metadata.optional(),
});

export const updateMemoryStore = z.strictObject({
  name: storeName.nullish(),
  /** "" clears it; null or omitted keeps it. */
  description: description.nullish(),
  metadata: metadataPatch.optional(),
});

/** Every memory API list pages 1 to 100 items at a time, 20 by default. */
export const listPage = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  page: z.string().min(1).optional(),
});

/** An RFC 3339 bound, normalised to the `created_at` format so it compares as text. */
const timestamp = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

/** `created_at[gte]` / `created_at[lte]`, inclusive, as the SDK sends them. */
export const createdAtRange = z.object({
  "created_at[gte]": timestamp.optional(),
  "created_at[lte]": timestamp.optional(),
});

export const listMemoryStoresQuery = listPage.extend(createdAtRange.shape).extend({
  include_archived: z.stringbool().default(false),
});

/** The SDK's `BetaManagedAgentsMemoryStore`. */
export const memoryStoreJson = (s: MemoryStoreRow) => ({
  type: "memory_store" as const,
  id: s.id,
  name: s.name,
  description: s.description,
  metadata: s.metadata,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
  archived_at: s.archivedAt,
});
