import type { Context } from "hono";
import type { AppEnv, Env } from "../env";
import { database } from "../db/client";
import { enabledEndpoints, subscribedEndpoints } from "./endpoints";
import { buildEvent, type WebhookEventInput, type WorkspaceEventType } from "./events";

/** Anything that can keep work alive after a response: a request's ExecutionContext or a Durable Object's state. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/** Backoff for reaching the outbox itself, inside the 30 s a `waitUntil` may run after the response. */
const ENQUEUE_RETRY_DELAYS_MS = [250, 1_000, 4_000, 12_000];

/** The workspace's delivery Durable Object: its outbox, retries and delivery log. */
export const deliveryOutbox = (env: Env, workspaceId: string) =>
  env.WEBHOOK_DELIVERIES.get(env.WEBHOOK_DELIVERIES.idFromName(workspaceId));

/**
 * Tells the workspace's subscribed endpoints that something happened. Call it after the
 * write it reports has committed, and await it: it returns once the event sits in the
 * workspace's durable outbox (one row per endpoint), from where the WebhookDelivery Durable
 * Object delivers and retries it. It never throws: the caller's write already happened, so
 * failing the request would misreport it. If the outbox cannot be reached, the enqueue keeps
 * being retried in the background through `ctx.waitUntil`, and a final failure is logged.
 *
 * Used by every route that changes a resource the SDK has webhook events for, by the
 * deployment scheduler, and (exported for it) by the session plane for `session.*` events.
 */
export async function emitWebhookEvent(env: Env, ctx: WaitUntil, input: WebhookEventInput, subscribed?: string[]): Promise<void> {
  // Built once, so a background retry re-sends the same event id and the outbox deduplicates it.
  const event = buildEvent(input);
  let known = subscribed;
  const enqueue = async () => {
    const endpointIds = known ?? (await subscribedEndpoints(database(env.DB), input.workspaceId, input.type));
    known = undefined; // a retry looks again
    if (endpointIds.length) await deliveryOutbox(env, input.workspaceId).enqueue(input.workspaceId, event, endpointIds);
  };
  try {
    await enqueue();
  } catch (err) {
    logEnqueueFailure(input, event.id, err, "retrying in the background");
    ctx.waitUntil(retryEnqueue(enqueue, input, event.id));
  }
}

/**
 * Several events of one workspace at once, in order (a session's status change stands for two or three): the
 * workspace's endpoints are looked up once for all of them, and not at all again when none subscribes.
 */
export async function emitWebhookEvents(
  env: Env,
  ctx: WaitUntil,
  inputs: WebhookEventInput[],
  /** Where the endpoints come from (a session's copy, durable-objects/session/endpoint-cache.ts); D1 by default. */
  lookup: (workspaceId: string) => Promise<Endpoints> = (workspaceId) => enabledEndpoints(database(env.DB), workspaceId),
): Promise<void> {
  let endpoints: Endpoints | undefined;
  try {
    if (inputs.length) endpoints = await lookup(inputs[0].workspaceId);
  } catch {
    // looked up again per event, with its retries
  }
  for (const input of inputs) {
    const subscribed = endpoints?.filter((e) => e.enabledEvents.includes(input.type)).map((e) => e.id);
    if (subscribed && !subscribed.length) continue;
    await emitWebhookEvent(env, ctx, input, subscribed);
  }
}

type Endpoints = Awaited<ReturnType<typeof enabledEndpoints>>;

async function retryEnqueue(enqueue: () => Promise<void>, input: WebhookEventInput, eventId: string) {
  let lastError: unknown;
  for (const delay of ENQUEUE_RETRY_DELAYS_MS) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      return await enqueue();
    } catch (err) {
      lastError = err;
    }
  }
  logEnqueueFailure(input, eventId, lastError, "giving up: the event was not delivered");
}

function logEnqueueFailure(input: WebhookEventInput, eventId: string, err: unknown, outcome: string) {
  console.error(
    JSON.stringify({
      level: "error",
      msg: `webhook event could not be enqueued, ${outcome}`,
      workspace_id: input.workspaceId,
      event_id: eventId,
      event_type: input.type,
      object_id: input.id,
      error: String(err),
    }),
  );
}

/**
 * The one-line form for routes, after the write commits: `await emitWebhook(c, "agent.created", id)`.
 * The execution context is only touched if the outbox cannot be reached.
 */
export function emitWebhook(c: Context<AppEnv>, type: WorkspaceEventType, id: string): Promise<void> {
  const ctx: WaitUntil = { waitUntil: (promise) => c.executionCtx.waitUntil(promise) };
  return emitWebhookEvent(c.env, ctx, { workspaceId: c.var.workspaceId, type, id });
}
