import Anthropic from "@anthropic-ai/sdk";
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { WebhookDeliveryRecord } from "../src/webhooks/deliveries";
import type { IdPage } from "../src/webhooks/page";
import { MAX_ATTEMPTS } from "../src/webhooks/retry";
import { collect, expectApiError } from "./helpers/assertions";
import { newTenant, raw } from "./helpers/client";

const BETA = "webhooks-2026-10-07";
const RECEIVER = "https://receiver.test";

/**
 * Workspace events go in this server's `workspace_events` (the SDK's `enabled_events` lists only the organization
 * ones); the SDK passes the extra body field through as is.
 */
type CreateParams = Anthropic.Beta.Organization.WebhookCreateParams;
const withWorkspaceEvents = (params: Omit<CreateParams, "enabled_events"> & { workspace_events: string[] }) =>
  ({ enabled_events: [], ...params }) as unknown as CreateParams;

interface Received {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Stands in for every receiver on the internet: records each delivery the Worker sends (the
 * delivery Durable Object runs in the test's isolate, so this spy sees its fetches) and
 * answers with `respond`, which by default accepts.
 */
function fakeReceivers(respond: (req: Request, nth: number) => Response | Promise<Response> = () => new Response("ok")) {
  const received: Received[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input as RequestInfo, init);
    if (!req.url.startsWith(RECEIVER)) throw new TypeError(`unexpected fetch: ${req.url}`);
    received.push({ url: req.url, headers: Object.fromEntries(req.headers), body: await req.clone().text() });
    return respond(req, received.length);
  });
  return received;
}

afterEach(() => {
  vi.restoreAllMocks();
});

const outbox = (workspaceId: string) => env.WEBHOOK_DELIVERIES.get(env.WEBHOOK_DELIVERIES.idFromName(workspaceId));

/**
 * Fires the workspace outbox's alarm now if one is set. A first attempt is due at once, so the
 * real alarm may have beaten us to it: that is fine, this only makes it not wait.
 */
const runOutbox = (workspaceId: string) => runDurableObjectAlarm(outbox(workspaceId));

/** Brings the next retry forward: waits until its alarm is armed, then fires it, as the backoff timer would. */
const forceRetry = (workspaceId: string) => vi.waitFor(async () => expect(await runOutbox(workspaceId)).toBe(true));

function deliveries(client: Anthropic, endpointId: string, query: Record<string, string | number> = {}) {
  return client.get<IdPage<WebhookDeliveryRecord>>(`/v1/organizations/webhooks/${endpointId}/deliveries`, {
    query,
    headers: { "anthropic-beta": BETA },
  });
}

async function tenantWithEndpoint(types: string[] = ["agent.created"], path = "/hooks") {
  const tenant = await newTenant();
  const endpoint = await tenant.client.beta.organization.webhooks.create(withWorkspaceEvents({ url: `${RECEIVER}${path}`, workspace_events: types }));
  return { ...tenant, endpoint };
}

const newAgent = (client: Anthropic, name = "hooked") => client.beta.agents.create({ name, model: "claude-sonnet-4-6" });

describe("webhook endpoints", () => {
  it("creates an endpoint and shows its whsec_ signing secret once", async () => {
    const { client } = await newTenant();
    const created = await client.beta.organization.webhooks.create(
      withWorkspaceEvents({ url: `${RECEIVER}/hooks`, workspace_events: ["agent.created", "session.status_idled"], name: "ops", description: "pager" }),
    );
    expect(created).toEqual({
      id: expect.stringMatching(/^whep_/),
      url: `${RECEIVER}/hooks`,
      name: "ops",
      description: "pager",
      enabled_events: [],
      workspace_events: ["agent.created", "session.status_idled"],
      state: "enabled",
      disabled_reason: "",
      signing_secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      created_at: expect.any(String),
      updated_at: created.created_at,
    });
    const { signing_secret, ...visible } = created;
    expect(await client.beta.organization.webhooks.retrieve(created.id)).toEqual(visible);
    expect(JSON.stringify(await collect(client.beta.organization.webhooks.list()))).not.toContain(signing_secret);

    // At rest the secret is an envelope sealed to its row, never the secret itself.
    const stored = await env.DB.prepare("SELECT signing_secret FROM webhook_endpoints WHERE id = ?")
      .bind(created.id)
      .first<{ signing_secret: string }>();
    expect(stored!.signing_secret).toMatch(/^v1\./);
    expect(stored!.signing_secret).not.toContain(signing_secret.slice(6));
  });

  it("defaults name and description to empty strings and accepts the SDK's organization event types", async () => {
    const { client } = await newTenant();
    const created = await client.beta.organization.webhooks.create({
      url: `${RECEIVER}/x`,
      enabled_events: ["user_profile.enforcement_action_opened", "external_key.failed"],
    });
    expect(created).toMatchObject({ name: "", description: "", enabled_events: ["user_profile.enforcement_action_opened", "external_key.failed"], workspace_events: [] });
    // Exactly what the SDK's type accepts: the external_storage events of SDK 1.13+ too.
    const storage = await client.beta.organization.webhooks.create({ url: `${RECEIVER}/s`, enabled_events: ["external_storage.failed", "external_storage.recovered"] });
    expect(storage.enabled_events).toEqual(["external_storage.failed", "external_storage.recovered"]);
  });

  it("updates only what is sent; an empty enabled_events or workspace_events leaves that set alone", async () => {
    const { client, endpoint } = await tenantWithEndpoint(["agent.created", "agent.updated"]);
    const renamed = await client.beta.organization.webhooks.update(endpoint.id, { name: "renamed", enabled_events: [] });
    expect(renamed).toMatchObject({ name: "renamed", url: endpoint.url, enabled_events: [], workspace_events: ["agent.created", "agent.updated"] });
    const moved = await client.beta.organization.webhooks.update(endpoint.id, {
      url: `${RECEIVER}/v2`,
      workspace_events: ["vault.created"],
      enabled_events: ["external_key.failed"],
      description: "moved",
    } as Anthropic.Beta.Organization.WebhookUpdateParams);
    expect(moved).toMatchObject({ name: "renamed", url: `${RECEIVER}/v2`, enabled_events: ["external_key.failed"], workspace_events: ["vault.created"], description: "moved" });
    const disabled = await client.beta.organization.webhooks.update(endpoint.id, { state: "disabled" });
    expect(disabled).toMatchObject({ state: "disabled", disabled_reason: "" });
    expect(await client.beta.organization.webhooks.retrieve(endpoint.id)).toEqual(disabled);
    expect((await client.beta.organization.webhooks.update(endpoint.id, { state: "enabled" })).state).toBe("enabled");
  });

  it("deletes an endpoint: 404 afterwards, gone from the list", async () => {
    const { client, endpoint } = await tenantWithEndpoint();
    expect(await client.beta.organization.webhooks.delete(endpoint.id)).toEqual({ type: "webhook_endpoint_deleted", id: endpoint.id });
    await expectApiError(client.beta.organization.webhooks.retrieve(endpoint.id), 404, "not_found_error");
    await expectApiError(client.beta.organization.webhooks.delete(endpoint.id), 404, "not_found_error");
    expect(await collect(client.beta.organization.webhooks.list())).toEqual([]);
  });

  it("pages with the SDK's Page class: after_id forward, before_id backward, either order", async () => {
    const { client } = await newTenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await client.beta.organization.webhooks.create({ url: `${RECEIVER}/${i}`, workspace_events: ["agent.created"] } as unknown as CreateParams)).id);
    }
    const newestFirst = [...ids].reverse();
    expect((await collect(client.beta.organization.webhooks.list({ limit: 2 }))).map((e) => e.id)).toEqual(newestFirst);
    expect((await collect(client.beta.organization.webhooks.list({ limit: 2, order: "asc" }))).map((e) => e.id)).toEqual(ids);

    const first = await client.beta.organization.webhooks.list({ limit: 2 });
    expect(first).toMatchObject({ has_more: true, first_id: newestFirst[0], last_id: newestFirst[1] });
    const last = await client.beta.organization.webhooks.list({ limit: 2, after_id: newestFirst[3] });
    expect(last).toMatchObject({ has_more: false, first_id: newestFirst[4], last_id: newestFirst[4] });
    // Backward from the oldest: the SDK keeps walking with before_id = first_id.
    const backward = await collect(client.beta.organization.webhooks.list({ limit: 2, before_id: newestFirst[4] }));
    expect(backward.map((e) => e.id)).toEqual([newestFirst[2], newestFirst[3], newestFirst[0], newestFirst[1]]);
  });

  it("rejects bad bodies with invalid_request_error naming the field, writing nothing", async () => {
    const { client } = await newTenant();
    const create = async (body: object) =>
      (await expectApiError(client.beta.organization.webhooks.create(body as Anthropic.Beta.Organization.WebhookCreateParams), 400, "invalid_request_error")).error.error;
    expect((await create({ url: `${RECEIVER}/x`, enabled_events: [] })).message).toMatch(/enabled_events/);
    expect((await create({ url: `${RECEIVER}/x`, enabled_events: ["agent.exploded"] })).message).toMatch(/enabled_events.0: unknown event type "agent.exploded"/);
    // enabled_events takes exactly the SDK's values: a workspace event is refused there, with where it goes.
    expect((await create({ url: `${RECEIVER}/x`, enabled_events: ["agent.created"] })).message).toMatch(/enabled_events.0: .*workspace_events/);
    expect((await create({ url: `${RECEIVER}/x`, workspace_events: ["external_key.failed"] })).message).toMatch(/workspace_events.0: unknown event type/);
    expect((await create({ url: "http://example.com/x", workspace_events: ["agent.created"] })).message).toMatch(/url: must be an https/);
    expect((await create({ url: "not a url", workspace_events: ["agent.created"] })).message).toMatch(/url/);
    expect((await create({ workspace_events: ["agent.created"] })).message).toMatch(/url/);
    expect((await create({ url: `${RECEIVER}/x`, workspace_events: ["agent.created"], secret: "mine" })).message).toMatch(/secret/);
    expect(await collect(client.beta.organization.webhooks.list())).toEqual([]);

    const other = await tenantWithEndpoint();
    const update = other.client.beta.organization.webhooks.update(other.endpoint.id, { state: "paused" as "enabled", name: "x" });
    expect((await expectApiError(update, 400, "invalid_request_error")).error.error.message).toMatch(/^state:/);
    expect((await other.client.beta.organization.webhooks.retrieve(other.endpoint.id)).name).toBe("");
  });

  it("allows at most 32 endpoints per workspace", async () => {
    const { client } = await newTenant();
    for (let i = 0; i < 32; i++) await client.beta.organization.webhooks.create({ url: `${RECEIVER}/${i}`, workspace_events: ["agent.created"] } as unknown as CreateParams);
    const err = await expectApiError(
      client.beta.organization.webhooks.create({ url: `${RECEIVER}/33`, workspace_events: ["agent.created"] } as unknown as CreateParams),
      400,
      "invalid_request_error",
    );
    expect(err.error.error.message).toMatch(/at most 32/);
  });

  it("answers 404 without the webhooks beta header, as if the API did not exist", async () => {
    const { apiKey, client } = await newTenant();
    const res = await raw("/v1/organizations/webhooks", { apiKey, headers: { "anthropic-beta": "managed-agents-2026-04-01" } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect(await client.beta.organization.webhooks.list()).toMatchObject({ data: [] });
  });

  it("isolates workspaces: another tenant's endpoint is a 404 and never listed", async () => {
    const a = await tenantWithEndpoint();
    const b = await newTenant();
    await expectApiError(b.client.beta.organization.webhooks.retrieve(a.endpoint.id), 404, "not_found_error");
    await expectApiError(b.client.beta.organization.webhooks.update(a.endpoint.id, { name: "mine" }), 404, "not_found_error");
    await expectApiError(b.client.beta.organization.webhooks.regenerateSigningSecret(a.endpoint.id), 404, "not_found_error");
    await expectApiError(b.client.beta.organization.webhooks.delete(a.endpoint.id), 404, "not_found_error");
    await expectApiError(deliveries(b.client, a.endpoint.id), 404, "not_found_error");
    expect(await collect(b.client.beta.organization.webhooks.list())).toEqual([]);
    expect((await a.client.beta.organization.webhooks.retrieve(a.endpoint.id)).name).toBe("");
  });
});

describe("webhook deliveries", () => {
  it("delivers a signed event that the SDK's unwrap() verifies", async () => {
    const received = fakeReceivers();
    const { client, endpoint, workspaceId } = await tenantWithEndpoint(["agent.created"]);
    const agent = await newAgent(client);
    await runOutbox(workspaceId);
    await vi.waitFor(() => expect(received).toHaveLength(1));

    const [delivery] = received;
    expect(delivery.url).toBe(endpoint.url);
    expect(delivery.headers["content-type"]).toBe("application/json");
    const event = client.beta.webhooks.unwrap(delivery.body, { headers: delivery.headers, key: endpoint.signing_secret });
    expect(event).toEqual({
      type: "event",
      id: expect.stringMatching(/^wevt_/),
      created_at: expect.any(String),
      data: { type: "agent.created", id: agent.id, organization_id: workspaceId, workspace_id: workspaceId },
    });
    expect(delivery.headers["webhook-id"]).toBe(event.id);
    // The SDK's unverified parse reads the same event.
    expect(client.beta.webhooks.parseUnverified(delivery.body)).toEqual(event);

    // A different key, or a tampered body, does not verify.
    const other = await tenantWithEndpoint();
    expect(() => client.beta.webhooks.unwrap(delivery.body, { headers: delivery.headers, key: other.endpoint.signing_secret })).toThrow();
    expect(() =>
      client.beta.webhooks.unwrap(delivery.body.replace(agent.id, "agent_forged"), { headers: delivery.headers, key: endpoint.signing_secret }),
    ).toThrow();

    const page = await deliveries(client, endpoint.id);
    expect(page).toEqual({ data: [expect.any(Object)], has_more: false, first_id: page.data[0].id, last_id: page.data[0].id });
    expect(page.data[0]).toEqual({
      type: "webhook_delivery",
      id: expect.stringMatching(/^whdel_/),
      endpoint_id: endpoint.id,
      event_id: event.id,
      event_type: "agent.created",
      status: "succeeded",
      attempts: 1,
      max_attempts: MAX_ATTEMPTS,
      created_at: expect.any(String),
      last_attempt_at: expect.any(String),
      next_attempt_at: null,
      completed_at: expect.any(String),
      last_status_code: 200,
      last_error: null,
    });
  });

  it("emits the events of agents, environments, vaults and credentials, each once, only on real transitions", async () => {
    const received = fakeReceivers();
    const { client, endpoint, workspaceId } = await tenantWithEndpoint([
      "agent.created",
      "agent.updated",
      "agent.archived",
      "environment.created",
      "environment.updated",
      "environment.archived",
      "environment.deleted",
      "vault.created",
      "vault.archived",
      "vault.deleted",
      "vault_credential.created",
      "vault_credential.archived",
      "vault_credential.deleted",
    ]);
    const agent = await newAgent(client);
    await client.beta.agents.update(agent.id, { version: agent.version, name: "renamed" });
    await client.beta.agents.update(agent.id, { version: agent.version + 1, name: "renamed" }); // no change: no version, no event
    await client.beta.agents.archive(agent.id);
    await client.beta.agents.archive(agent.id); // already archived: no event

    const environment = await client.beta.environments.create({ name: "env" });
    await client.beta.environments.update(environment.id, { description: "d" });
    await client.beta.environments.archive(environment.id);
    await client.beta.environments.archive(environment.id);
    await client.beta.environments.delete(environment.id);

    const vault = await client.beta.vaults.create({ display_name: "v" });
    const credential = await client.beta.vaults.credentials.create(vault.id, {
      auth: { type: "static_bearer", mcp_server_url: "https://mcp.example.com/mcp", token: "t0ken" },
    });
    await client.beta.vaults.credentials.archive(credential.id, { vault_id: vault.id });
    await client.beta.vaults.credentials.archive(credential.id, { vault_id: vault.id });
    await client.beta.vaults.credentials.delete(credential.id, { vault_id: vault.id });
    await client.beta.vaults.archive(vault.id);
    await client.beta.vaults.archive(vault.id);
    await client.beta.vaults.delete(vault.id);

    const expected = [
      `agent.created ${agent.id}`,
      `agent.updated ${agent.id}`,
      `agent.archived ${agent.id}`,
      `environment.created ${environment.id}`,
      `environment.updated ${environment.id}`,
      `environment.archived ${environment.id}`,
      `environment.deleted ${environment.id}`,
      `vault.created ${vault.id}`,
      `vault_credential.created ${credential.id}`,
      `vault_credential.archived ${credential.id}`,
      `vault_credential.deleted ${credential.id}`,
      `vault.archived ${vault.id}`,
      `vault.deleted ${vault.id}`,
    ];
    // Each write enqueued its event before its response: all are listed already, in order.
    const queued = await collectDeliveries(client, endpoint.id);
    expect(queued.map((d) => d.event_type).reverse()).toEqual(expected.map((e) => e.split(" ")[0]));

    await runOutbox(workspaceId);
    await vi.waitFor(() => expect(received).toHaveLength(expected.length));
    const seen = received
      .map((r) => client.beta.webhooks.unwrap(r.body, { headers: r.headers, key: endpoint.signing_secret }))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((e) => `${e.data.type} ${e.data.id}`);
    expect(seen).toEqual(expected);
  });

  it("sends only the subscribed types, and nothing while an endpoint is disabled", async () => {
    const received = fakeReceivers();
    const { client, endpoint, workspaceId } = await tenantWithEndpoint(["agent.archived"]);
    const agent = await newAgent(client); // not subscribed
    await client.beta.organization.webhooks.update(endpoint.id, { state: "disabled" });
    await client.beta.agents.archive(agent.id); // disabled: never delivered, not even later
    await client.beta.organization.webhooks.update(endpoint.id, { state: "enabled" });
    await runOutbox(workspaceId);
    expect((await deliveries(client, endpoint.id)).data).toEqual([]);
    expect(received).toEqual([]);
  });

  it("retries a failing endpoint with exponential backoff until it answers 2xx", async () => {
    const received = fakeReceivers((_req, nth) => (nth <= 2 ? new Response("down", { status: 503 }) : new Response("ok")));
    const { client, endpoint, workspaceId } = await tenantWithEndpoint();
    await newAgent(client);
    const state = async () => (await deliveries(client, endpoint.id)).data[0];

    await vi.waitFor(async () => expect(await state()).toMatchObject({ attempts: 1 }));
    const first = await state();
    expect(first).toMatchObject({ status: "pending", last_status_code: 503, last_error: "endpoint answered HTTP 503", completed_at: null });
    expect(Date.parse(first.next_attempt_at!) - Date.parse(first.last_attempt_at!)).toBe(30_000);

    await forceRetry(workspaceId);
    await vi.waitFor(async () => expect(await state()).toMatchObject({ attempts: 2 }));
    const second = await state();
    expect(second.status).toBe("pending");
    expect(Date.parse(second.next_attempt_at!) - Date.parse(second.last_attempt_at!)).toBe(60_000);

    await forceRetry(workspaceId);
    await vi.waitFor(async () => expect(await state()).toMatchObject({ status: "succeeded", attempts: 3 }));
    expect(await state()).toMatchObject({ last_status_code: 200, last_error: null, next_attempt_at: null });
    // Every attempt carried the same message id and a signature valid at its own timestamp.
    expect(new Set(received.map((r) => r.headers["webhook-id"])).size).toBe(1);
    for (const r of received) client.beta.webhooks.unwrap(r.body, { headers: r.headers, key: endpoint.signing_secret });
    // Nothing left to do: no alarm remains.
    expect(await runOutbox(workspaceId)).toBe(false);
  });

  it("gives up after the last attempt and keeps the delivery listed as failed with its error", async () => {
    fakeReceivers(() => {
      throw new TypeError("connection refused");
    });
    const { client, endpoint, workspaceId } = await tenantWithEndpoint();
    await newAgent(client);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) await forceRetry(workspaceId);
      await vi.waitFor(async () => expect((await deliveries(client, endpoint.id)).data[0].attempts).toBe(attempt));
    }
    const [failed] = (await deliveries(client, endpoint.id, { status: "failed" })).data;
    expect(failed).toMatchObject({
      status: "failed",
      attempts: MAX_ATTEMPTS,
      last_status_code: null,
      last_error: "request failed: connection refused",
      next_attempt_at: null,
      completed_at: expect.any(String),
    });
    expect((await deliveries(client, endpoint.id, { status: "pending" })).data).toEqual([]);
    expect(await runOutbox(workspaceId)).toBe(false);
  });

  it("loses nothing: a queued delivery survives the outbox being restarted and goes out once the receiver is back", async () => {
    let up = false;
    const received = fakeReceivers(() => {
      if (!up) throw new TypeError("receiver down");
      return new Response("ok");
    });
    const { client, endpoint, workspaceId } = await tenantWithEndpoint();
    const agent = await newAgent(client);
    // Durable before the response: listed already, whatever the alarm has done so far.
    expect((await deliveries(client, endpoint.id)).data).toHaveLength(1);
    await vi.waitFor(async () => expect((await deliveries(client, endpoint.id)).data[0].last_error).toBe("request failed: receiver down"));

    await abortAllDurableObjects();
    up = true;
    await forceRetry(workspaceId);
    await vi.waitFor(async () => expect((await deliveries(client, endpoint.id)).data[0]).toMatchObject({ status: "succeeded", attempts: 2 }));
    expect(received).toHaveLength(2);
    const ok = received.slice(1);
    expect(client.beta.webhooks.unwrap(ok[0].body, { headers: ok[0].headers, key: endpoint.signing_secret }).data.id).toBe(agent.id);
  });

  it("signs with the regenerated secret from then on, retries included; the old one stops verifying", async () => {
    const received = fakeReceivers((_req, nth) => (nth === 1 ? new Response("no", { status: 500 }) : new Response("ok")));
    const { client, endpoint, workspaceId } = await tenantWithEndpoint();
    await newAgent(client);
    await vi.waitFor(async () => expect((await deliveries(client, endpoint.id)).data[0].attempts).toBe(1));

    const { signing_secret } = await client.beta.organization.webhooks.regenerateSigningSecret(endpoint.id);
    expect(signing_secret).toMatch(/^whsec_/);
    expect(signing_secret).not.toBe(endpoint.signing_secret);
    await forceRetry(workspaceId);
    await vi.waitFor(() => expect(received).toHaveLength(2));
    const retry = received[1];
    expect(client.beta.webhooks.unwrap(retry.body, { headers: retry.headers, key: signing_secret }).data.type).toBe("agent.created");
    expect(() => client.beta.webhooks.unwrap(retry.body, { headers: retry.headers, key: endpoint.signing_secret })).toThrow();
  });

  it("cancels what was queued for an endpoint disabled before its next attempt, and forgets a deleted endpoint's log", async () => {
    fakeReceivers(() => new Response("no", { status: 500 }));
    const { client, endpoint, workspaceId } = await tenantWithEndpoint();
    await newAgent(client);
    await vi.waitFor(async () => expect((await deliveries(client, endpoint.id)).data[0].attempts).toBe(1));
    await client.beta.organization.webhooks.update(endpoint.id, { state: "disabled" });
    await forceRetry(workspaceId);
    await vi.waitFor(async () =>
      expect((await deliveries(client, endpoint.id)).data[0]).toMatchObject({ status: "canceled", last_error: "the endpoint is disabled" }),
    );

    await client.beta.organization.webhooks.delete(endpoint.id);
    expect(await runInOutbox(workspaceId, (sql) => sql.exec("SELECT COUNT(*) AS n FROM deliveries").one().n)).toBe(0);
  });

  it("keeps workspaces apart: an event reaches only its own workspace's endpoints", async () => {
    const received = fakeReceivers();
    const a = await tenantWithEndpoint(["agent.created"], "/a");
    const b = await tenantWithEndpoint(["agent.created"], "/b");
    const agent = await newAgent(a.client);
    await runOutbox(a.workspaceId);
    await runOutbox(b.workspaceId);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0].url).toBe(`${RECEIVER}/a`);
    expect(a.client.beta.webhooks.unwrap(received[0].body, { headers: received[0].headers, key: a.endpoint.signing_secret }).data).toMatchObject({
      id: agent.id,
      workspace_id: a.workspaceId,
    });
    expect((await deliveries(b.client, b.endpoint.id)).data).toEqual([]);
  });
});

async function collectDeliveries(client: Anthropic, endpointId: string) {
  const out: WebhookDeliveryRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await deliveries(client, endpointId, { limit: 5, ...(after && { after_id: after }) });
    out.push(...page.data);
    if (!page.has_more) return out;
    after = page.last_id!;
  }
}

function runInOutbox<T>(workspaceId: string, fn: (sql: SqlStorage) => T): Promise<T> {
  return runInDurableObject(outbox(workspaceId), (_instance, state) => fn(state.storage.sql));
}
