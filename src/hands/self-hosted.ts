import type { Env } from "../env";
import type { HandsContext } from "./index";

/** The environment's work queue: one Durable Object per environment, addressed by its id. */
export const workQueue = (env: Env, environmentId: string) => env.WORK_QUEUES.get(env.WORK_QUEUES.idFromName(environmentId));

/**
 * Self-hosted hands: the session waits in its environment's queue until a worker claims it; the worker's
 * SessionToolRunner then reads the pending tool uses from the session's event stream and posts the results.
 * Idempotent, since the queue keeps at most one live item per session.
 */
export async function enqueueSelfHosted(ctx: HandsContext): Promise<void> {
  await workQueue(ctx.env, ctx.environmentId).enqueueSession({
    workspaceId: ctx.workspaceId,
    environmentId: ctx.environmentId,
    sessionId: ctx.sessionId,
  });
}
