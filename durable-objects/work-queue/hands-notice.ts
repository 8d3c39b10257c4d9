import type { Env } from "../../src/env";
import { sessionStub } from "../../src/db/queries/sessions";

/**
 * A free worker claims a new item within one long poll (the SDK's poller blocks up to 999 ms and is woken by the
 * enqueue), so an item still unclaimed this long after it was queued is waiting for hands: every worker is busy,
 * or none runs.
 */
export const WAITING_NOTICE_MS = 1_500;

/**
 * Tells a session when its tool uses are waiting for a worker, and when one has claimed them (the session shows it
 * on its stream: `SessionDurableObject.handsWaiting`). In memory: a notice lost with an evicted queue only leaves the
 * status unannounced; the work itself is in the queue's storage.
 */
export class HandsNotice {
  /** Item id → its session, for items announced as waiting. */
  private readonly announced = new Map<string, { workspaceId: string; sessionId: string }>();

  constructor(
    private readonly env: Env,
    private readonly ctx: DurableObjectState,
    private readonly unclaimed: (itemId: string) => boolean,
  ) {}

  /** A new item was queued: announce it if no worker has claimed it by WAITING_NOTICE_MS. */
  queued(item: { id: string; workspace_id: string; session_id: string }) {
    const check = new Promise<void>((resolve) => setTimeout(resolve, WAITING_NOTICE_MS)).then(async () => {
      if (!this.unclaimed(item.id)) return;
      const session = { workspaceId: item.workspace_id, sessionId: item.session_id };
      this.announced.set(item.id, session);
      await this.tell(session, true);
    });
    this.ctx.waitUntil(check);
  }

  /** A worker claimed the item: a session told it was waiting hears that hands arrived. */
  claimed(itemId: string) {
    const session = this.announced.get(itemId);
    if (!session) return;
    this.announced.delete(itemId);
    this.ctx.waitUntil(this.tell(session, false));
  }

  private async tell(session: { workspaceId: string; sessionId: string }, waiting: boolean) {
    try {
      await sessionStub(this.env, session.sessionId).handsWaiting(session.workspaceId, waiting);
    } catch (err) {
      console.error(JSON.stringify({ level: "warn", message: "could not tell the session about its hands", session: session.sessionId, error: String(err) }));
    }
  }
}
