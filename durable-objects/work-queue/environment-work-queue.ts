import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";

/** One per environment: the work queue the SDK's EnvironmentWorker polls. (Built by the hands issue.) */
export class EnvironmentWorkQueue extends DurableObject<Env> {
  /** Enqueue one work item for the session unless one is already queued or leased (idempotent). */
  async enqueueSession(_input: { workspaceId: string; sessionId: string }): Promise<void> {
    throw new Error("not implemented");
  }
}
