/**
 * How long a failing delivery keeps being retried: 12 attempts, the delay doubling from
 * 30 seconds up to a 2 hour ceiling, so an endpoint has roughly nine hours to come back
 * before the delivery is marked `failed` (it stays listed with its last error).
 */
export const MAX_ATTEMPTS = 12;
const FIRST_DELAY_MS = 30_000;
const MAX_DELAY_MS = 2 * 60 * 60_000;

/** Wait before the next attempt, after `attempts` failed ones (1-based). */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_DELAY_MS * 2 ** (attempts - 1), MAX_DELAY_MS);
}

/** One attempt may take this long before it counts as failed. */
export const ATTEMPT_TIMEOUT_MS = 15_000;

/** Finished deliveries (succeeded, failed, canceled) stay listed this long. */
export const RETENTION_MS = 30 * 24 * 60 * 60_000;
