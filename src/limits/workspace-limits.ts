import { z } from "zod";
import { eq } from "drizzle-orm";
import type { Env } from "../env";
import { database } from "../db/client";
import { workspaceLimits } from "../db/schema";

const MiB = 1024 * 1024;

/**
 * What one workspace may use, by default. Sized so that a single tenant cannot exhaust a Workers Free account
 * (100,000 requests/day; D1 500 MB per database; 5 GB of Durable Object storage; 10 GB of R2), leaving room for
 * the others; an operator raises them per workspace through the admin API, or for the whole deployment with the
 * WORKSPACE_DEFAULT_LIMITS var (JSON with any of these names). The README's "Limits" table says why each is
 * what it is, where it is enforced and what the error says.
 */
export const DEFAULT_LIMITS = {
  /** API-key requests per minute (a token bucket of this size, refilled per minute): 72,000/day at most. */
  requests_per_minute: 50,
  /** Request body bytes of writes (POST/PUT/PATCH/DELETE) per UTC day: what can land in D1 and R2. */
  write_bytes_per_day: 64 * MiB,
  /** Model tokens (input, output and cache) the workspace's sessions may use per UTC day. */
  model_tokens_per_day: 2_000_000,
  /** Sessions stored, archived ones included (deleting one frees its place). */
  max_sessions: 1_000,
  /** Sessions neither archived nor terminated: each may hold a sandbox. */
  max_active_sessions: 20,
  /** Events one session's log may hold before it takes no new turn. */
  max_events_per_session: 5_000,
  /** Bytes one session's in-isolate sandbox filesystem may hold: 20 active × 128 MiB = 2.5 GB of DO storage. */
  max_sandbox_bytes: 128 * MiB,
  /** Bytes of files and skill versions kept in R2 (deleting frees them): ten workspaces fill the Free plan's 10 GB. */
  max_storage_bytes: 1024 * MiB,
} as const;

export type LimitName = keyof typeof DEFAULT_LIMITS;
export type WorkspaceLimits = Record<LimitName, number>;
export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as LimitName[];

const limitValue = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const partialLimits = z.strictObject(Object.fromEntries(LIMIT_NAMES.map((n) => [n, limitValue.optional()])) as Record<LimitName, z.ZodOptional<typeof limitValue>>);

/** The admin API's update: a number sets a limit, null returns it to the default, an absent name leaves it. */
export const limitsPatch = z.strictObject(Object.fromEntries(LIMIT_NAMES.map((n) => [n, limitValue.nullish()])) as Record<LimitName, z.ZodOptional<z.ZodNullable<typeof limitValue>>>);
export type LimitsPatch = z.infer<typeof limitsPatch>;

/** Each limit's column in `workspace_limits`. */
export const LIMIT_COLUMNS = {
  requests_per_minute: "requestsPerMinute",
  write_bytes_per_day: "writeBytesPerDay",
  model_tokens_per_day: "modelTokensPerDay",
  max_sessions: "maxSessions",
  max_active_sessions: "maxActiveSessions",
  max_events_per_session: "maxEventsPerSession",
  max_sandbox_bytes: "maxSandboxBytes",
  max_storage_bytes: "maxStorageBytes",
} as const satisfies Record<LimitName, keyof typeof workspaceLimits.$inferSelect>;

type LimitsRow = typeof workspaceLimits.$inferSelect;

/** The deployment's defaults: the built-in ones, with WORKSPACE_DEFAULT_LIMITS over them. */
export function defaultLimits(env: Pick<Env, "WORKSPACE_DEFAULT_LIMITS">): WorkspaceLimits {
  if (!env.WORKSPACE_DEFAULT_LIMITS) return { ...DEFAULT_LIMITS };
  const parsed = partialLimits.safeParse(JSON.parse(env.WORKSPACE_DEFAULT_LIMITS));
  if (!parsed.success) throw new Error(`WORKSPACE_DEFAULT_LIMITS is invalid: ${parsed.error.message}`);
  return { ...DEFAULT_LIMITS, ...parsed.data } as WorkspaceLimits;
}

/** The operator's overrides (the row's non-null columns), as limit names. */
export function overridesOf(row: LimitsRow | undefined): Partial<WorkspaceLimits> {
  const out: Partial<WorkspaceLimits> = {};
  for (const name of LIMIT_NAMES) {
    const value = row?.[LIMIT_COLUMNS[name]];
    if (value != null) out[name] = value;
  }
  return out;
}

export async function findLimitsRow(env: Pick<Env, "DB">, workspaceId: string): Promise<LimitsRow | undefined> {
  const [row] = await database(env.DB).select().from(workspaceLimits).where(eq(workspaceLimits.workspaceId, workspaceId)).limit(1);
  return row;
}

/** A workspace's limits in force: its overrides over the deployment's defaults. One D1 read. */
export async function loadWorkspaceLimits(env: Pick<Env, "DB" | "WORKSPACE_DEFAULT_LIMITS">, workspaceId: string): Promise<WorkspaceLimits> {
  return { ...defaultLimits(env), ...overridesOf(await findLimitsRow(env, workspaceId)) };
}
