import type { Env } from "../../src/env";
import { database } from "../../src/db/client";
import { enabledEndpoints } from "../../src/webhooks/endpoints";
import { deliveryOutbox } from "../../src/webhooks/emit";
import { ENDPOINT_CACHE_TTL_MS } from "../webhook-delivery/endpoint-watchers";

type Endpoints = Awaited<ReturnType<typeof enabledEndpoints>>;

/**
 * The session's copy of its workspace's enabled webhook endpoints, so that a status change (two per turn) looks
 * nothing up in D1, and a workspace with no endpoint costs nothing at all. The copy is registered with the
 * workspace's delivery object *before* D1 is read, and every endpoint change tells each registered session to drop
 * its copy before the change's route answers (webhook-delivery/endpoint-watchers.ts): so no event is missed or sent
 * to an endpoint that no longer wants it. A drop that lands while a read is in flight keeps that read from being kept.
 */
export class EndpointCache {
  private copy: { endpoints: Endpoints; until: number } | undefined;
  private generation = 0;

  constructor(
    private readonly env: Env,
    private readonly sessionId: () => string | undefined,
  ) {}

  async get(workspaceId: string): Promise<Endpoints> {
    if (this.copy && this.copy.until > Date.now()) return this.copy.endpoints;
    const generation = ++this.generation;
    const until = Date.now() + ENDPOINT_CACHE_TTL_MS;
    const sessionId = this.sessionId();
    if (sessionId) await deliveryOutbox(this.env, workspaceId).watchEndpoints(sessionId, until);
    const endpoints = await enabledEndpoints(database(this.env.DB), workspaceId);
    if (sessionId && generation === this.generation) this.copy = { endpoints, until };
    return endpoints;
  }

  forget() {
    this.copy = undefined;
    this.generation++;
  }
}
