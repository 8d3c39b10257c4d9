import { assertFetchableUrl } from "../lib/outbound-guard";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { and, count, eq } from "drizzle-orm";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { type WebhookEndpointRow, webhookEndpoints } from "../db/schema";
import { ApiError, badRequest } from "../lib/errors";
import { newId } from "../lib/ids";
import { vaultSecretBox } from "../lib/secret-box";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";
import { webhookCreateParams, webhookUpdateParams } from "../schemas/webhooks";
import { deliveryListQuery } from "../webhooks/deliveries";
import { deliveryOutbox } from "../webhooks/emit";
import { MAX_ENDPOINTS, findEndpoint, organizationEvents, renderEndpoint, sealSigningSecret, workspaceEvents } from "../webhooks/endpoints";
import { idPageQuery, paginateById } from "../webhooks/page";
import { newSigningSecret } from "../webhooks/signing";

export const WEBHOOKS_BETA = "webhooks-2026-10-07";

/**
 * `/v1/organizations/webhooks`: where a workspace's events are delivered. The hosted API
 * scopes these endpoints to an organization; in this multi-tenant deployment the
 * organization is the workspace the API key belongs to, so an endpoint receives exactly
 * that workspace's events, and `organization_id` and `workspace_id` in event data are both
 * the workspace id.
 */
export const webhookRoutes = new Hono<AppEnv>();

// As documented: without the beta header this API answers 404, as if it did not exist.
webhookRoutes.use(
  "*",
  createMiddleware<AppEnv>(async (c, next) => {
    if (!c.var.betas.includes(WEBHOOKS_BETA)) {
      throw new ApiError("not_found_error", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`);
    }
    await next();
  }),
);

webhookRoutes.post("/", validate("json", webhookCreateParams), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  assertFetchableUrl(c.env, c.req.url, "url", body.url);
  const workspaceId = c.var.workspaceId;
  // Before anything is written: a secret that cannot be sealed must not be stored at all.
  const box = vaultSecretBox(c.env);
  const [{ n }] = await db.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.workspaceId, workspaceId));
  if (n >= MAX_ENDPOINTS) throw badRequest(`a workspace can have at most ${MAX_ENDPOINTS} webhook endpoints; delete one first`);
  const id = newId("whep");
  const secret = newSigningSecret();
  const now = nowIso();
  const row: WebhookEndpointRow = {
    id,
    workspaceId,
    url: body.url,
    name: body.name ?? "",
    description: body.description ?? "",
    enabledEvents: [...body.enabled_events, ...body.workspace_events],
    state: "enabled",
    disabledReason: "",
    signingSecret: await sealSigningSecret(box, { workspaceId, id }, secret),
    createdAt: now,
    updatedAt: now,
  };
  await db.insert(webhookEndpoints).values(row);
  // Sessions keep a copy of the workspace's endpoints: they drop it before this answers.
  await deliveryOutbox(c.env, workspaceId).endpointsChanged();
  // The only response that carries the secret in clear.
  return c.json({ ...renderEndpoint(row), signing_secret: secret });
});

webhookRoutes.get("/", validate("query", idPageQuery), async (c) => {
  const db = database(c.env.DB);
  return c.json(
    await paginateById({
      query: c.req.valid("query"),
      idColumn: webhookEndpoints.id,
      where: eq(webhookEndpoints.workspaceId, c.var.workspaceId),
      fetch: (q) => db.select().from(webhookEndpoints).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: renderEndpoint,
    }),
  );
});

webhookRoutes.get("/:webhook_endpoint_id", async (c) => {
  const db = database(c.env.DB);
  return c.json(renderEndpoint(await findEndpoint(db, c.var.workspaceId, c.req.param("webhook_endpoint_id"))));
});

webhookRoutes.post("/:webhook_endpoint_id", validate("json", webhookUpdateParams), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  assertFetchableUrl(c.env, c.req.url, "url", body.url);
  const current = await findEndpoint(db, c.var.workspaceId, c.req.param("webhook_endpoint_id"));
  const state = body.state ?? current.state;
  const next: WebhookEndpointRow = {
    ...current,
    url: body.url ?? current.url,
    name: body.name ?? current.name,
    description: body.description ?? current.description,
    enabledEvents: [
      ...(body.enabled_events?.length ? body.enabled_events : organizationEvents(current.enabledEvents)),
      ...(body.workspace_events?.length ? body.workspace_events : workspaceEvents(current.enabledEvents)),
    ],
    state,
    // Enabling clears why it was disabled; disabling by hand leaves no reason (the reason is for automatic disables).
    disabledReason: state === "enabled" || body.state === "disabled" ? "" : current.disabledReason,
    updatedAt: nowIso(),
  };
  const { id, workspaceId, createdAt, signingSecret, ...changes } = next;
  await db
    .update(webhookEndpoints)
    .set(changes)
    .where(and(eq(webhookEndpoints.workspaceId, workspaceId), eq(webhookEndpoints.id, id)));
  await deliveryOutbox(c.env, workspaceId).endpointsChanged();
  return c.json(renderEndpoint(next));
});

webhookRoutes.delete("/:webhook_endpoint_id", async (c) => {
  const db = database(c.env.DB);
  const workspaceId = c.var.workspaceId;
  const endpoint = await findEndpoint(db, workspaceId, c.req.param("webhook_endpoint_id"));
  await db
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.workspaceId, workspaceId), eq(webhookEndpoints.id, endpoint.id)));
  // Its queued deliveries would only be canceled at their next attempt; drop them now.
  await deliveryOutbox(c.env, workspaceId).forgetEndpoint(endpoint.id);
  await deliveryOutbox(c.env, workspaceId).endpointsChanged();
  return c.json({ type: "webhook_endpoint_deleted" as const, id: endpoint.id });
});

webhookRoutes.post("/:webhook_endpoint_id/regenerate_signing_secret", async (c) => {
  const db = database(c.env.DB);
  const box = vaultSecretBox(c.env);
  const endpoint = await findEndpoint(db, c.var.workspaceId, c.req.param("webhook_endpoint_id"));
  const secret = newSigningSecret();
  // Deliveries read the secret at each attempt, so the old one stops signing immediately, retries included.
  await db
    .update(webhookEndpoints)
    .set({ signingSecret: await sealSigningSecret(box, endpoint, secret), updatedAt: nowIso() })
    .where(and(eq(webhookEndpoints.workspaceId, endpoint.workspaceId), eq(webhookEndpoints.id, endpoint.id)));
  return c.json({ signing_secret: secret });
});

/** Not in the hosted API: what happened to each event sent to this endpoint (status, attempts, last error). */
webhookRoutes.get("/:webhook_endpoint_id/deliveries", validate("query", deliveryListQuery), async (c) => {
  const db = database(c.env.DB);
  const endpoint = await findEndpoint(db, c.var.workspaceId, c.req.param("webhook_endpoint_id"));
  return c.json(await deliveryOutbox(c.env, endpoint.workspaceId).listDeliveries(endpoint.id, c.req.valid("query")));
});
