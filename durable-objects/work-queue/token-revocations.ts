import { revokeWorkTokens } from "../../src/hands/tokens";

/**
 * Sessions tokens the queue has decided to revoke but not yet written to D1. Lease expiry is applied synchronously
 * (every request sees the queue as of now), while the revocation is a D1 write; it waits here until the next
 * request can await it, and a write that fails stays to be retried then.
 */
export class PendingTokenRevocations {
  /** work id → sessions tokens of deliveries below this epoch are to be revoked (Infinity: all of them). */
  private readonly pending = new Map<string, number>();

  constructor(private readonly db: D1Database) {}

  get any(): boolean {
    return this.pending.size > 0;
  }

  /** Every token of the item: it stopped, so no worker may act on it any more. */
  revokeAll(workId: string) {
    this.pending.set(workId, Number.POSITIVE_INFINITY);
  }

  async flush() {
    const pending = [...this.pending];
    this.pending.clear();
    for (const [workId, belowEpoch] of pending) {
      try {
        await revokeWorkTokens(this.db, workId, belowEpoch);
      } catch (err) {
        console.error(JSON.stringify({ level: "error", msg: "revoking work tokens failed", work_id: workId, error: String(err) }));
        this.pending.set(workId, belowEpoch);
      }
    }
  }
}
