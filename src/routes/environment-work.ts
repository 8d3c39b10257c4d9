import { Hono, type Context } from "hono";
import { z } from "zod";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import type { Outcome } from "../../durable-objects/work-queue/work-item";
import { ApiError, badRequest, errorBody, notFound } from "../lib/errors";
import { decodeCursor, encodeCursor, pageParams } from "../lib/pagination";
import { describeIssues, validate } from "../lib/validation";
import { requireBeta } from "../middleware/betas";
import { findEnvironment } from "../hands/environment";
import { encodeWorkSecret, mintSessionsToken } from "../hands/tokens";
import { workQueue } from "../hands/self-hosted";
import { heartbeatJson, heartbeatQuery, pollQuery, statsJson, stopBody, updateBody, workJson } from "../schemas/work";

const BETA = "managed-agents-2026-04-01";

/**
 * The server side of the SDK's self-hosted worker protocol (`client.beta.environments.work.*`): one queue
 * per environment, held by the EnvironmentWorkQueue Durable Object. Which credential may call what is
 * decided in middleware/auth (`scopedAccess`); this router only adds what needs the environment row.
 */
export const environmentWorkRoutes = new Hono<AppEnv>();

/**
 * The environment must exist in the caller's workspace and be self-hosted. Worker credentials are already bound
 * to their environment; the lookup still runs for them so that deleting an environment stops its workers (their
 * poller treats the 404 as final).
 */
const requireSelfHostedEnvironment = createMiddleware<AppEnv>(async (c, next) => {
  const id = c.req.param("environment_id")!;
  const environment = await findEnvironment(c.env.DB, c.var.workspaceId, id);
  if (!environment) throw notFound("environment", id);
  if (environment.type !== "self_hosted") {
    throw badRequest(`environment ${id} is a cloud environment: only self_hosted environments have a work queue`);
  }
  await next();
});

environmentWorkRoutes.use("/:environment_id/work", requireBeta(BETA), requireSelfHostedEnvironment);
environmentWorkRoutes.use("/:environment_id/work/*", requireBeta(BETA), requireSelfHostedEnvironment);

const queueOf = (c: Context<AppEnv>) => workQueue(c.env, c.req.param("environment_id")!);

/** Only a workspace API key may read or edit a single item; the SDK documents both as rejecting worker credentials. */
function requireApiKeyPrincipal(c: Context<AppEnv>) {
  if (c.var.principal.kind !== "api_key") {
    throw new ApiError("authentication_error", "this endpoint accepts a workspace API key only");
  }
}

/** Renders a queue outcome, with the error shapes the SDK worker reacts to (409 tolerated on stop, 412 = lease lost). */
function respond<T>(c: Context<AppEnv>, outcome: Outcome<T>, render: (value: T) => unknown) {
  if (outcome.ok) return c.json(render(outcome.value));
  // The SDK retries 409s by default; these conflicts are final, so say so.
  const noRetry = { "x-should-retry": "false" };
  if (outcome.error !== "precondition_failed") {
    if (outcome.error === "not_found") throw new ApiError("not_found_error", outcome.message);
    return c.json(errorBody("conflict_error", outcome.message, c.var.requestId), 409, noRetry);
  }
  // The SDK raises BetaHeartbeatPreconditionFailedError from `details.error_code` and reads the lease from it.
  const details = { error_code: "heartbeat_precondition_failed", current_state: outcome.lease };
  return c.json(errorBody("precondition_failed_error", outcome.message, c.var.requestId, { details }), 412, noRetry);
}

/**
 * `poll`, `stats` and `__enqueue` sit where a work id goes. Hono's RegExpRouter cannot hold a fixed segment beside a
 * parameter that also has children (`:work_id/ack`), and one such route made SmartRouter fall back to its trie
 * router for every request of the app (the slower match, on every call). So each is dispatched from the item route
 * of its method by name, and validates its own input.
 */
async function poll(c: Context<AppEnv>) {
  const query = parsed(pollQuery, c.req.query());
  const delivery = await queueOf(c).poll({
    blockMs: query.block_ms,
    reclaimOlderThanMs: query.reclaim_older_than_ms,
    workerId: c.req.header("anthropic-worker-id") || undefined,
  });
  if (!delivery) return c.json(null);
  const { item, epoch } = delivery;
  const { token } = await mintSessionsToken(c.env.DB, {
    workspaceId: item.workspace_id,
    environmentId: item.environment_id,
    sessionId: item.session_id,
    workId: item.id,
    epoch,
    environmentKeyId: c.var.principal.kind === "environment_key" ? c.var.principal.keyId : null,
  });
  const secret = encodeWorkSecret({ sessions_token: token, api_base_url: new URL(c.req.url).origin });
  return c.json(workJson(item, secret));
}

/**
 * End-to-end harness only (HANDS_TEST_HOOKS=1): queue a session as the brain's dispatch would, so the real SDK
 * worker can be driven before a session exists. Absent (404) in every other deployment.
 */
async function enqueueForTests(c: Context<AppEnv>) {
  if (c.env.HANDS_TEST_HOOKS !== "1" || c.var.principal.kind !== "api_key") return c.notFound();
  const body = parsed(z.strictObject({ session_id: z.string().min(1) }), await c.req.json().catch(() => undefined));
  const item = await queueOf(c).enqueueSession({
    workspaceId: c.var.workspaceId,
    environmentId: c.req.param("environment_id")!,
    sessionId: body.session_id,
  });
  return c.json(workJson(item), 201);
}

const stats = async (c: Context<AppEnv>) => c.json(statsJson(await queueOf(c).stats()));

function parsed<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(describeIssues(result.error.issues));
  return result.data;
}

environmentWorkRoutes.get("/:environment_id/work", validate("query", pageParams), async (c) => {
  // The SDK: "This endpoint accepts the environment key as a bearer token. It rejects a Claude API key."
  if (c.var.principal.kind !== "environment_key") {
    throw new ApiError("authentication_error", "work.list accepts the environment key only; read one item with work.retrieve and an API key");
  }
  const params = c.req.valid("query");
  const before = params.page ? decodeCursor(params.page).after : undefined;
  const { items, hasMore } = await queueOf(c).list({ limit: params.limit, before });
  return c.json({
    data: items.map((item) => workJson(item)),
    next_page: hasMore ? encodeCursor({ after: items[items.length - 1].id, order: "desc" }) : null,
  });
});

environmentWorkRoutes.post("/:environment_id/work/:work_id/ack", async (c) => {
  return respond(c, await queueOf(c).ack(c.req.param("work_id")), (item) => workJson(item));
});

environmentWorkRoutes.post("/:environment_id/work/:work_id/heartbeat", validate("query", heartbeatQuery), async (c) => {
  const query = c.req.valid("query");
  const principal = c.var.principal;
  const outcome = await queueOf(c).heartbeat(c.req.param("work_id"), {
    expectedLastHeartbeat: query.expected_last_heartbeat,
    desiredTtlSeconds: query.desired_ttl_seconds,
    epoch: principal.kind === "sessions_token" ? principal.epoch : null,
  });
  return respond(c, outcome, heartbeatJson);
});

environmentWorkRoutes.post("/:environment_id/work/:work_id/stop", async (c) => {
  const body = await optionalJson(c);
  const parsed = stopBody.safeParse(body ?? {});
  if (!parsed.success) throw badRequest(describeIssues(parsed.error.issues));
  // A user's stop asks the worker to drain; the worker's own stop (environment key or sessions token) ends the item.
  const principal = c.var.principal;
  const outcome = await queueOf(c).stop(c.req.param("work_id"), {
    force: parsed.data.force,
    requester: principal.kind === "api_key" ? "user" : "worker",
    epoch: principal.kind === "sessions_token" ? principal.epoch : null,
  });
  return respond(c, outcome, (item) => workJson(item));
});

/** The routes dispatched by name below: not in the router's table, so the OpenAPI document lists them from here. */
export const NAMED_WORK_ROUTES = ["GET /v1/environments/:environment_id/work/poll", "GET /v1/environments/:environment_id/work/stats"];
/** The e2e harness's hook dispatched the same way (HANDS_TEST_HOOKS=1 only). */
export const NAMED_WORK_HOOKS = ["POST /v1/environments/:environment_id/work/__enqueue"];

// Registered before the item routes of the same path, so a work id passes on to them.
environmentWorkRoutes.get("/:environment_id/work/:work_id", (c, next) => {
  const name = c.req.param("work_id");
  return name === "poll" ? poll(c) : name === "stats" ? stats(c) : next();
});
environmentWorkRoutes.post("/:environment_id/work/:work_id", (c, next) =>
  c.req.param("work_id") === "__enqueue" ? enqueueForTests(c) : next(),
);

environmentWorkRoutes.get("/:environment_id/work/:work_id", async (c) => {
  requireApiKeyPrincipal(c);
  const item = await queueOf(c).retrieve(c.req.param("work_id"));
  if (!item) throw notFound("work item", c.req.param("work_id"));
  return c.json(workJson(item));
});

environmentWorkRoutes.post("/:environment_id/work/:work_id", validate("json", updateBody), async (c) => {
  requireApiKeyPrincipal(c);
  const outcome = await queueOf(c).updateMetadata(c.req.param("work_id"), c.req.valid("json").metadata);
  return respond(c, outcome, (item) => workJson(item));
});

/** Stop's body is optional on the wire (the SDK always sends one, curl users may not). */
async function optionalJson(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("body: invalid JSON");
  }
}
