import { describe, expect, it, vi } from "vitest";
import Anthropic from "@anthropic-ai/sdk";
import { newTenant } from "../helpers/client";
import { bearerClient, createEnvironment, createEnvironmentKey, decodeSecret, queue } from "../helpers/hands";
import { newId } from "../../src/lib/ids";

/** The work endpoints' documented credentials and parameters (SDK `resources/beta/environments/work.d.ts`). */
async function setup() {
  const tenant = await newTenant();
  const environmentId = await createEnvironment(tenant.client);
  const worker = bearerClient((await createEnvironmentKey(tenant.client, environmentId)).key);
  const item = await queue(environmentId).enqueueSession({ workspaceId: tenant.workspaceId, environmentId, sessionId: newId("sesn") });
  return { ...tenant, environmentId, worker, item };
}

describe("work: each endpoint's key rule", () => {
  it("work.list takes the environment key and rejects an API key", async () => {
    const { client, worker, environmentId, item } = await setup();
    const listed = [];
    for await (const w of worker.beta.environments.work.list(environmentId)) listed.push(w.id);
    expect(listed).toEqual([item.id]);
    await expect(client.beta.environments.work.list(environmentId)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it("work.retrieve and work.update take an API key and reject the environment key and the item's secret", async () => {
    const { client, worker, environmentId, item } = await setup();
    expect((await client.beta.environments.work.retrieve(item.id, { environment_id: environmentId })).id).toBe(item.id);
    await expect(worker.beta.environments.work.retrieve(item.id, { environment_id: environmentId })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    const polled = await worker.beta.environments.work.poll(environmentId);
    const session = bearerClient(decodeSecret(polled!.secret!).sessions_token);
    await expect(session.beta.environments.work.retrieve(item.id, { environment_id: environmentId })).rejects.toBeInstanceOf(Anthropic.APIError);
    await expect(worker.beta.environments.work.update(item.id, { environment_id: environmentId, metadata: { a: "b" } })).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
  });
});

describe("work: heartbeat TTL", () => {
  it("takes any non-negative desired_ttl_seconds (the SDK sets no bound) and answers with the effective TTL", async () => {
    const { worker, environmentId } = await setup();
    const polled = (await worker.beta.environments.work.poll(environmentId))!;
    await worker.beta.environments.work.ack(polled.id, { environment_id: environmentId });
    const session = bearerClient(decodeSecret(polled.secret!).sessions_token);
    const zero = await session.beta.environments.work.heartbeat(polled.id, {
      environment_id: environmentId,
      expected_last_heartbeat: "NO_HEARTBEAT",
      desired_ttl_seconds: 0,
    });
    expect(zero).toMatchObject({ lease_extended: true, ttl_seconds: 1 });
    const huge = await session.beta.environments.work.heartbeat(polled.id, {
      environment_id: environmentId,
      expected_last_heartbeat: zero.last_heartbeat,
      desired_ttl_seconds: 86_400,
    });
    expect(huge.ttl_seconds).toBe(3600);
    await expect(
      session.beta.environments.work.heartbeat(polled.id, { environment_id: environmentId, desired_ttl_seconds: -1 }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });
});

describe("work: queued before the first tool call", () => {
  it("queues a self-hosted session when it is created, and again when a message wakes it after its item stopped", async () => {
    const { client, environmentId, worker } = await setup();
    const agent = await client.beta.agents.create({ name: "warm", model: "claude-fake-1", tools: [{ type: "agent_toolset_20260401" }] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
    const itemsOf = async () => {
      const items = [];
      for await (const w of worker.beta.environments.work.list(environmentId)) if (w.data.id === session.id) items.push(w);
      return items;
    };
    const [queued] = await itemsOf();
    expect(queued).toMatchObject({ state: "queued", data: { type: "session", id: session.id } });

    // A worker serves it and leaves (the session went dormant): its item is stopped.
    let polled;
    while ((polled = await worker.beta.environments.work.poll(environmentId)) && polled.data.id !== session.id) {
      await worker.beta.environments.work.stop(polled.id, { environment_id: environmentId, force: true });
    }
    expect(polled?.id).toBe(queued.id);
    await worker.beta.environments.work.ack(queued.id, { environment_id: environmentId });
    await worker.beta.environments.work.stop(queued.id, { environment_id: environmentId, force: true });

    // A new message queues it again, without waiting for the model to call a tool.
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.message", content: [{ type: "text", text: "no tools here" }] }] });
    await vi.waitFor(async () => {
      const items = await itemsOf();
      expect(items.map((i) => i.state)).toEqual(["queued", "stopped"]);
    });
  });
});
