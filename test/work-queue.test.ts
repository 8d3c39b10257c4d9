import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import Anthropic, { toFile } from "@anthropic-ai/sdk";
import { PageCursor } from "@anthropic-ai/sdk/core/pagination";
import { BetaHeartbeatPreconditionFailedError } from "@anthropic-ai/sdk/resources/beta/environments";
import { newTenant, raw } from "./helpers/client";
import {
  bearerClient,
  createEnvironment,
  createEnvironmentKey,
  decodeSecret,
  queue,
  revokeEnvironmentKey,
} from "./helpers/hands";
import { dispatchToolUses } from "../src/hands";
import { newId } from "../src/lib/ids";

/** A tenant with a self-hosted environment, an environment key, and a worker client holding that key. */
async function setup() {
  const tenant = await newTenant();
  const environmentId = await createEnvironment(tenant.client);
  const key = await createEnvironmentKey(tenant.client, environmentId);
  const worker = bearerClient(key.key);
  const enqueue = (sessionId = newId("sesn")) =>
    queue(environmentId).enqueueSession({ workspaceId: tenant.workspaceId, environmentId, sessionId });
  return { ...tenant, environmentId, key, worker, enqueue };
}

/** Poll, ack and first heartbeat, as the SDK worker does; returns the claimed item and its sessions token. */
async function claim(worker: Anthropic, environmentId: string) {
  const work = await worker.beta.environments.work.poll(environmentId);
  if (!work) throw new Error("expected a work item");
  await worker.beta.environments.work.ack(work.id, { environment_id: environmentId });
  const token = decodeSecret(work.secret!).sessions_token;
  return { work, token, session: bearerClient(token) };
}

describe("environment keys", () => {
  it("shows the key once, lists it by prefix and pages through every key", async () => {
    const { client, environmentId, key } = await setup();
    expect(key.key).toMatch(/^sk-ma-env-/);
    for (let i = 0; i < 3; i++) await createEnvironmentKey(client, environmentId, `k${i}`);
    const seen: any[] = [];
    const page = await client.getAPIList(`/v1/environments/${environmentId}/keys`, PageCursor<any>, {
      query: { limit: 2 },
      headers: { "anthropic-beta": "managed-agents-2026-04-01" },
    });
    for await (const k of page) seen.push(k);
    expect(seen).toHaveLength(4);
    expect(JSON.stringify(seen)).not.toContain(key.key);
    expect(seen.map((k) => k.partial_key_hint)).toContain(key.partial_key_hint);
  });

  it("rejects a revoked key and refuses keys for cloud or foreign environments", async () => {
    const { client, environmentId, key, worker } = await setup();
    expect(await worker.beta.environments.work.poll(environmentId)).toBeNull();
    const revoked = await revokeEnvironmentKey(client, environmentId, key.id);
    expect(revoked.revoked_at).not.toBeNull();
    await expect(worker.beta.environments.work.poll(environmentId)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);

    const cloud = await createEnvironment(client, { type: "cloud" });
    await expect(createEnvironmentKey(client, cloud)).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    const { client: other } = await newTenant();
    await expect(createEnvironmentKey(other, environmentId)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it("only drives the work endpoints of its own environment", async () => {
    const { apiKey, client, environmentId, key, worker } = await setup();
    const res = await raw("/v1/agents", { headers: { authorization: `Bearer ${key.key}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { type: "authentication_error" } });
    const sibling = await createEnvironment(client);
    await expect(worker.beta.environments.work.poll(sibling)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    // Key management needs the workspace API key.
    const keys = await raw(`/v1/environments/${environmentId}/keys`, { headers: { authorization: `Bearer ${key.key}` } });
    expect(keys.status).toBe(401);
    expect((await raw(`/v1/environments/${environmentId}/keys`, { apiKey })).status).toBe(200);
  });
});

describe("environment lifecycle", () => {
  it("stops serving a deleted environment's workers with the 404 their poller treats as final", async () => {
    const { client, environmentId, worker } = await setup();
    expect(await worker.beta.environments.work.poll(environmentId)).toBeNull();
    await client.beta.environments.delete(environmentId);
    await expect(worker.beta.environments.work.poll(environmentId)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });
});

describe("work queue through the SDK", () => {
  it("polls, acks, heartbeats and stops a session's work item", async () => {
    const { environmentId, worker, enqueue } = await setup();
    const sessionId = newId("sesn");
    const queued = await enqueue(sessionId);
    const work = await worker.beta.environments.work.poll(environmentId, { block_ms: 999 });
    expect(work).toMatchObject({
      type: "work",
      id: queued.id,
      environment_id: environmentId,
      data: { type: "session", id: sessionId },
      state: "queued",
      acknowledged_at: null,
    });
    expect(decodeSecret(work!.secret!).sessions_token).toMatch(/^sk-ma-req-/);

    const acked = await worker.beta.environments.work.ack(work!.id, { environment_id: environmentId });
    expect(acked.state).toBe("starting");
    expect(acked.acknowledged_at).not.toBeNull();
    expect(acked.secret).toBeNull();

    const session = bearerClient(decodeSecret(work!.secret!).sessions_token);
    const first = await session.beta.environments.work.heartbeat(work!.id, {
      environment_id: environmentId,
      expected_last_heartbeat: "NO_HEARTBEAT",
    });
    expect(first).toMatchObject({ type: "work_heartbeat", lease_extended: true, state: "active", ttl_seconds: 300 });
    const second = await session.beta.environments.work.heartbeat(work!.id, {
      environment_id: environmentId,
      expected_last_heartbeat: first.last_heartbeat,
      desired_ttl_seconds: 60,
    });
    expect(second.ttl_seconds).toBe(60);
    expect(second.last_heartbeat > first.last_heartbeat).toBe(true);

    const stopped = await session.beta.environments.work.stop(work!.id, { environment_id: environmentId, force: true });
    expect(stopped).toMatchObject({ state: "stopped" });
    expect(stopped.stopped_at).not.toBeNull();
    // Stopping what is stopped is the 409 the worker tolerates; the stopped item's token is dead.
    const again = await worker.beta.environments.work.stop(work!.id, { environment_id: environmentId }).catch((e) => e);
    expect(again).toBeInstanceOf(Anthropic.ConflictError);
    await expect(
      session.beta.environments.work.heartbeat(work!.id, { environment_id: environmentId }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    expect(await worker.beta.environments.work.poll(environmentId)).toBeNull();
  });

  it("answers 412 with the server's lease when expected_last_heartbeat is stale", async () => {
    const { environmentId, worker, enqueue } = await setup();
    await enqueue();
    const { work, session } = await claim(worker, environmentId);
    const beat = await session.beta.environments.work.heartbeat(work.id, {
      environment_id: environmentId,
      expected_last_heartbeat: "NO_HEARTBEAT",
    });
    const err = await session.beta.environments.work
      .heartbeat(work.id, { environment_id: environmentId, expected_last_heartbeat: "NO_HEARTBEAT" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(BetaHeartbeatPreconditionFailedError);
    expect(err.status).toBe(412);
    expect(err.errorCode).toBe("heartbeat_precondition_failed");
    expect(err.details.current_state).toEqual({
      last_heartbeat: beat.last_heartbeat,
      lease_extended: false,
      state: "active",
      ttl_seconds: 300,
    });
  });

  it("long-polls: waits for an item instead of returning at once, and gives up after block_ms", async () => {
    const { environmentId, worker, enqueue } = await setup();
    let started = Date.now();
    expect(await worker.beta.environments.work.poll(environmentId)).toBeNull();
    expect(Date.now() - started).toBeLessThan(500);

    started = Date.now();
    expect(await worker.beta.environments.work.poll(environmentId, { block_ms: 600 })).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);

    started = Date.now();
    const waiting = worker.beta.environments.work.poll(environmentId, { block_ms: 999 });
    await new Promise((r) => setTimeout(r, 150));
    const queued = await enqueue();
    const work = await waiting;
    expect(work?.id).toBe(queued.id);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("validates block_ms and keeps one live item per session", async () => {
    const { apiKey, environmentId, worker, enqueue, workspaceId } = await setup();
    const bad = await raw(`/v1/environments/${environmentId}/work/poll?block_ms=5000`, { apiKey });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("block_ms");

    const sessionId = newId("sesn");
    const ctx = { env, workspaceId, environmentId, sessionId };
    await dispatchToolUses(ctx, [{ id: newId("sevt"), name: "bash", input: { command: "ls" } }]);
    await dispatchToolUses(ctx, [{ id: newId("sevt"), name: "bash", input: { command: "ls" } }]);
    await enqueue(sessionId);
    const items = [];
    for await (const item of worker.beta.environments.work.list(environmentId)) items.push(item);
    expect(items).toHaveLength(1);
    expect(items[0].data.id).toBe(sessionId);
  });

  it("hands an unacknowledged item to another poller only after reclaim_older_than_ms", async () => {
    const { environmentId, worker, enqueue } = await setup();
    const queued = await enqueue();
    const first = await worker.beta.environments.work.poll(environmentId);
    expect(first?.id).toBe(queued.id);
    expect(await worker.beta.environments.work.poll(environmentId)).toBeNull();
    const again = await worker.beta.environments.work.poll(environmentId, { reclaim_older_than_ms: 0 });
    expect(again?.id).toBe(queued.id);
    expect(decodeSecret(again!.secret!).sessions_token).not.toBe(decodeSecret(first!.secret!).sessions_token);
    await worker.beta.environments.work.ack(queued.id, { environment_id: environmentId });
    // The slower poller's ack loses: it moves on instead of serving the session twice.
    const late = await worker.beta.environments.work.ack(queued.id, { environment_id: environmentId }).catch((e) => e);
    expect(late).toBeInstanceOf(Anthropic.ConflictError);
  });

  it("re-delivers an item whose lease expired, and the dead worker's heartbeat and stop fail", async () => {
    const { environmentId, worker, enqueue } = await setup();
    const queued = await enqueue();
    const dead = await claim(worker, environmentId);
    const beat = await dead.session.beta.environments.work.heartbeat(queued.id, {
      environment_id: environmentId,
      expected_last_heartbeat: "NO_HEARTBEAT",
      desired_ttl_seconds: 1,
    });
    expect(beat.ttl_seconds).toBe(1);
    await new Promise((r) => setTimeout(r, 1200));

    const next = await claim(worker, environmentId);
    expect(next.work.id).toBe(queued.id);
    expect(next.token).not.toBe(dead.token);
    const lost = await dead.session.beta.environments.work
      .heartbeat(queued.id, { environment_id: environmentId, expected_last_heartbeat: beat.last_heartbeat })
      .catch((e) => e);
    expect(lost).toBeInstanceOf(BetaHeartbeatPreconditionFailedError);
    // Even a NO_HEARTBEAT claim by the old delivery fails: the lease belongs to the new one.
    const stale = await dead.session.beta.environments.work
      .heartbeat(queued.id, { environment_id: environmentId, expected_last_heartbeat: "NO_HEARTBEAT" })
      .catch((e) => e);
    expect(stale).toBeInstanceOf(BetaHeartbeatPreconditionFailedError);
    const stop = await dead.session.beta.environments.work.stop(queued.id, { environment_id: environmentId, force: true }).catch((e) => e);
    expect(stop).toBeInstanceOf(Anthropic.ConflictError);

    const owner = await next.session.beta.environments.work.heartbeat(queued.id, {
      environment_id: environmentId,
      expected_last_heartbeat: "NO_HEARTBEAT",
    });
    // The new holder does not inherit the 1 s TTL its predecessor asked for.
    expect(owner).toMatchObject({ lease_extended: true, state: "active", ttl_seconds: 300 });
  });

  it("expires leases by alarm even when nobody polls", async () => {
    const { environmentId, worker, enqueue } = await setup();
    const queued = await enqueue();
    const { session } = await claim(worker, environmentId);
    const stub = queue(environmentId);
    await session.beta.environments.work.heartbeat(queued.id, {
      environment_id: environmentId,
      expected_last_heartbeat: "NO_HEARTBEAT",
      desired_ttl_seconds: 1,
    });
    const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now());
    expect(alarm).toBeLessThanOrEqual(Date.now() + 1000);
    await new Promise((r) => setTimeout(r, 1200));
    // Read the row without going through a method that would sweep on its own.
    await runDurableObjectAlarm(stub);
    const row = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec("SELECT state, acknowledged_at FROM work_items WHERE id = ?", queued.id).one(),
    );
    expect(row).toEqual({ state: "queued", acknowledged_at: null });
  });

  it("hands the session to a fresh item when tool uses arrive as its worker stops", async () => {
    const { client, environmentId, worker, enqueue } = await setup();
    const sessionId = newId("sesn");
    const first = await enqueue(sessionId);
    const { session } = await claim(worker, environmentId);
    // The brain dispatches again while the worker is already on its way out.
    expect((await enqueue(sessionId)).id).toBe(first.id);
    await session.beta.environments.work.stop(first.id, { environment_id: environmentId, force: true });
    const successor = await worker.beta.environments.work.poll(environmentId);
    expect(successor?.data.id).toBe(sessionId);
    expect(successor?.id).not.toBe(first.id);

    // A user stopping a queued item ends it for good.
    const stopped = await client.beta.environments.work.stop(successor!.id, { environment_id: environmentId });
    expect(stopped.state).toBe("stopped");
    expect(await worker.beta.environments.work.poll(environmentId, { reclaim_older_than_ms: 0 })).toBeNull();
  });

  it("lets a user ask for a graceful stop that the worker sees on its heartbeat", async () => {
    const { client, environmentId, worker, enqueue } = await setup();
    const queued = await enqueue();
    const { session } = await claim(worker, environmentId);
    const beat = await session.beta.environments.work.heartbeat(queued.id, {
      environment_id: environmentId,
      expected_last_heartbeat: "NO_HEARTBEAT",
    });
    const stopping = await client.beta.environments.work.stop(queued.id, { environment_id: environmentId });
    expect(stopping.state).toBe("stopping");
    expect(stopping.stop_requested_at).not.toBeNull();
    const seen = await session.beta.environments.work.heartbeat(queued.id, {
      environment_id: environmentId,
      expected_last_heartbeat: beat.last_heartbeat,
    });
    expect(seen.state).toBe("stopping");
    const done = await session.beta.environments.work.stop(queued.id, { environment_id: environmentId, force: true });
    expect(done.state).toBe("stopped");
  });

  it("lists newest first across pages, reports stats, and serves retrieve/update to API keys only", async () => {
    const { client, environmentId, worker, enqueue } = await setup();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await enqueue()).id);
    await worker.beta.environments.work.poll(environmentId, {}, { headers: { "Anthropic-Worker-ID": "w-1" } });

    const listed = [];
    for await (const item of worker.beta.environments.work.list(environmentId, { limit: 2 })) listed.push(item.id);
    expect(listed).toEqual([...ids].reverse());

    const stats = await worker.beta.environments.work.stats(environmentId);
    expect(stats).toMatchObject({ type: "work_queue_stats", depth: 4, pending: 1, workers_polling: 1 });
    expect(stats.oldest_queued_at).not.toBeNull();

    const updated = await client.beta.environments.work.update(ids[0], {
      environment_id: environmentId,
      metadata: { team: "infra", gone: "x" },
    });
    expect(updated.metadata).toEqual({ team: "infra", gone: "x" });
    const merged = await client.beta.environments.work.update(ids[0], {
      environment_id: environmentId,
      metadata: { gone: null, region: "eu" },
    });
    expect(merged.metadata).toEqual({ team: "infra", region: "eu" });
    expect((await client.beta.environments.work.retrieve(ids[0], { environment_id: environmentId })).secret).toBeNull();

    await expect(worker.beta.environments.work.retrieve(ids[0], { environment_id: environmentId })).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
    const bad = await client.beta.environments.work
      .update(ids[0], { environment_id: environmentId, metadata: { k: 5 as unknown as string } })
      .catch((e) => e);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect((await client.beta.environments.work.retrieve(ids[0], { environment_id: environmentId })).metadata).toEqual({
      team: "infra",
      region: "eu",
    });
  });

  it("keeps another workspace out of the queue", async () => {
    const { environmentId, enqueue } = await setup();
    await enqueue();
    const { client: other } = await newTenant();
    await expect(other.beta.environments.work.stats(environmentId)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await expect(other.beta.environments.work.poll(environmentId)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });
});

describe("sessions token scope", () => {
  it("serves only its own session and work item", async () => {
    const { environmentId, worker, enqueue } = await setup();
    const sessionId = newId("sesn");
    await enqueue(sessionId);
    const otherItem = await enqueue();
    const { work, token } = await claim(worker, environmentId);
    const headers = { authorization: `Bearer ${token}` };

    expect((await raw(`/v1/sessions/${sessionId}`, { headers })).status).not.toBe(401);
    const otherSession = await raw(`/v1/sessions/${newId("sesn")}/events`, { headers });
    expect(otherSession.status).toBe(404);
    const otherWork = await raw(`/v1/environments/${environmentId}/work/${otherItem.id}/heartbeat`, { method: "POST", headers });
    expect(otherWork.status).toBe(404);
    for (const path of ["/v1/agents", `/v1/environments/${environmentId}/work/poll`, `/v1/environments/${environmentId}/work/${work.id}`]) {
      const res = await raw(path, { headers });
      expect(res.status, path).toBe(401);
    }
    const own = await raw(`/v1/environments/${environmentId}/work/${work.id}/heartbeat?expected_last_heartbeat=NO_HEARTBEAT`, {
      method: "POST",
      headers,
    });
    expect(own.status).toBe(200);
  });

  it("reaches only its agent's skills and its session's memory stores, read-only ones for reading", async (ctx) => {
    const { client, environmentId, worker, workspaceId } = await setup();
    const skillFile = (name: string) =>
      toFile(new TextEncoder().encode(`---\nname: ${name}\ndescription: d\n---\n# ${name}\n`), `${name}/SKILL.md`);
    const own = await client.beta.skills.create({ files: [await skillFile("own-skill")] });
    const foreign = await client.beta.skills.create({ files: [await skillFile("other-skill")] });
    const [writable, readable, detached] = await Promise.all(
      ["rw", "ro", "detached"].map((name) => client.beta.memoryStores.create({ name: `${name}-${newId("m")}` })),
    );
    const agent = await client.beta.agents.create({
      name: "skilled",
      model: "claude-fake-1",
      skills: [{ type: "custom", skill_id: own.id }],
    });
    const session = await client.beta.sessions
      .create({
        agent: agent.id,
        environment_id: environmentId,
        resources: [
          { type: "memory_store", memory_store_id: writable.id },
          { type: "memory_store", memory_store_id: readable.id, access: "read_only" },
        ],
      })
      .catch((e) => e);
    // Needs the session plane; skipped until it is part of the build.
    if (session instanceof Anthropic.NotFoundError) return ctx.skip();
    if (session instanceof Error) throw session;

    await queue(environmentId).enqueueSession({ workspaceId, environmentId, sessionId: session.id });
    const { session: scoped } = await claim(worker, environmentId);
    expect((await scoped.beta.skills.versions.retrieve("latest", { skill_id: own.id })).skill_id).toBe(own.id);
    await expect(scoped.beta.skills.versions.retrieve("latest", { skill_id: foreign.id })).rejects.toBeInstanceOf(Anthropic.NotFoundError);

    const memory = await scoped.beta.memoryStores.memories.create(writable.id, { path: "/notes.md", content: "hi" });
    expect(memory.path).toBe("/notes.md");
    // Recorded as written by the session, not by an API key.
    const [version] = await collectVersions(client, writable.id);
    expect(version.created_by).toMatchObject({ type: "session_actor", session_id: session.id });
    for await (const _ of scoped.beta.memoryStores.memories.list(readable.id)) void _;
    await expect(scoped.beta.memoryStores.memories.create(readable.id, { path: "/x.md", content: "no" })).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
    await expect(scoped.beta.memoryStores.memories.list(detached.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await expect(scoped.beta.memoryStores.retrieve(writable.id)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });
});

async function collectVersions(client: Anthropic, memoryStoreId: string) {
  const versions = [];
  for await (const version of client.beta.memoryStores.memoryVersions.list(memoryStoreId)) versions.push(version);
  return versions;
}
