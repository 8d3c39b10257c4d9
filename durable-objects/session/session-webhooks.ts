import type { Env } from "../../src/env";
import { emitWebhookEvents } from "../../src/webhooks/emit";
import type { WorkspaceEventType } from "../../src/webhooks/events";
import { EndpointCache } from "./endpoint-cache";
import type { SessionState } from "./types";

/**
 * Hands a session's webhook events to its workspace's delivery outbox, off the request's path. Events go out one
 * after another, so receivers' outboxes get them in transition order; the endpoints are cached here until one
 * changes (endpoint-cache.ts).
 */
export class SessionWebhooks {
  private queue: Promise<void> = Promise.resolve();
  private readonly endpoints: EndpointCache;

  constructor(
    private readonly env: Env,
    private readonly ctx: DurableObjectState,
    sessionId: () => string | undefined,
  ) {
    this.endpoints = new EndpointCache(env, sessionId);
  }

  notify(state: SessionState, types: WorkspaceEventType[]) {
    if (!types.length) return;
    const { workspaceId, sessionId } = state;
    this.queue = this.queue.then(() =>
      emitWebhookEvents(
        this.env,
        this.ctx,
        types.map((type) => ({ workspaceId, type, id: sessionId })),
        (workspace) => this.endpoints.get(workspace),
      ),
    );
    this.ctx.waitUntil(this.queue);
  }

  /** The workspace's endpoints changed: the next event reads them again. */
  forgetEndpoints() {
    this.endpoints.forget();
  }
}
