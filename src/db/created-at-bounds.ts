import { and, gt, gte, lt, lte, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/**
 * The `created_at` bounds a list query may carry, keyed as the SDK sends them. Each is in the
 * `toISOString()` form rows store (the list schemas normalise them), so text comparison orders.
 */
export interface CreatedAtBounds {
  "created_at[gt]"?: string;
  "created_at[gte]"?: string;
  "created_at[lt]"?: string;
  "created_at[lte]"?: string;
}

/** The bounds a query gives as conditions on `column` (undefined when it gives none). */
export function createdAtWithin(column: SQLiteColumn, bounds: CreatedAtBounds): SQL | undefined {
  return and(
    bounds["created_at[gt]"] ? gt(column, bounds["created_at[gt]"]) : undefined,
    bounds["created_at[gte]"] ? gte(column, bounds["created_at[gte]"]) : undefined,
    bounds["created_at[lt]"] ? lt(column, bounds["created_at[lt]"]) : undefined,
    bounds["created_at[lte]"] ? lte(column, bounds["created_at[lte]"]) : undefined,
  );
}
