import type Anthropic from "@anthropic-ai/sdk";
import type { BetaDream } from "@anthropic-ai/sdk/resources/beta/dreams";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { collect } from "./helpers/assertions";
import { newTenant, raw } from "./helpers/client";
import { expectRejected, say, sessionTenant, waitForIdle } from "./helpers/sessions";

/** A tenant with a memory store holding `memories` and one session that ran a turn saying `said`. */
async function dreamTenant(memories: Record<string, string>, said = "I switched from coffee to tea") {
  const tenant = await sessionTenant();
  const { client } = tenant;
  const store = await client.beta.memoryStores.create({ name: "prefs", description: "What the user likes" });
  for (const [path, content] of Object.entries(memories)) await client.beta.memoryStores.memories.create(store.id, { path, content });
  const session = await client.beta.sessions.create({ agent: tenant.agent.id, environment_id: tenant.environment.id });
  await client.beta.sessions.events.send(session.id, { events: [say(said)] });
  await waitForIdle(client, session.id);
  return { ...tenant, store, session };
}

const inputsFor = (storeId: string, sessionIds: string[]) => [
  { type: "memory_store" as const, memory_store_id: storeId },
  { type: "sessions" as const, session_ids: sessionIds },
];

const waitForStatus = (client: Anthropic, id: string, status: BetaDream["status"], timeout = 15_000) =>
  vi.waitFor(
    async () => {
      const dream = await client.beta.dreams.retrieve(id);
      expect(dream.status).toBe(status);
      return dream;
    },
    { timeout, interval: 50 },
  );

async function storeMemories(client: Anthropic, storeId: string) {
  const items = await collect(client.beta.memoryStores.memories.list(storeId, { view: "full" }));
  return Object.fromEntries(items.map((m) => [m.path, m.type === "memory" ? m.content : null]));
}

const dreamRunner = (id: string) => env.DREAM_RUNNERS.get(env.DREAM_RUNNERS.idFromName(id));

describe("dreams", () => {
  it("reads the store and the sessions, and writes the reorganized store to a new one (create_new)", async () => {
    const { client, store, session } = await dreamTenant({ "/drinks.md": "likes coffee", "/old.md": "stale", "/keep.md": "kept" });
    const created = await client.beta.dreams.create({
      inputs: inputsFor(store.id, [session.id]),
      model: "claude-fake-1",
      instructions:
        'Fold drinks in. [[tool:write_memory {"path":"/drinks.md","content":"likes tea (switched from coffee)"}]]' +
        '[[tool:delete_memory {"path":"/old.md"}]][[usage:in=100,out=20]][[next]][[text:Updated drinks, dropped old.]]',
    });
    expect(created).toMatchObject({
      type: "dream",
      id: expect.stringMatching(/^drm_/),
      status: "pending",
      outputs: [],
      output_behavior: { type: "create_new" },
      model: { id: "claude-fake-1", speed: "standard" },
      usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      error: null,
      ended_at: null,
      archived_at: null,
    });

    const done = await waitForStatus(client, created.id, "completed");
    expect(done.ended_at).not.toBeNull();
    expect(done.usage.input_tokens).toBeGreaterThanOrEqual(100);
    expect(done.outputs).toEqual([{ type: "memory_store", memory_store_id: expect.stringMatching(/^memstore_/) }]);
    const output = done.outputs[0]!.memory_store_id;
    expect(output).not.toBe(store.id);
    expect(await storeMemories(client, output)).toEqual({ "/drinks.md": "likes tea (switched from coffee)", "/keep.md": "kept" });
    // The input store is untouched.
    expect(await storeMemories(client, store.id)).toEqual({ "/drinks.md": "likes coffee", "/old.md": "stale", "/keep.md": "kept" });

    // The model read the memories and the session's transcript.
    const requests = (await (await fetch(`http://fake-model.test/_fake/requests?user_id=${created.id}`)).json<{ data: any[] }>()).data;
    const opening = JSON.stringify(requests[0].messages[0]);
    expect(opening).toContain("likes coffee");
    expect(opening).toContain("I switched from coffee to tea");
    expect(requests[0].tools.map((t: { name: string }) => t.name)).toEqual(["write_memory", "delete_memory"]);
  });

  it("writes into the input store with update_existing, and holds it against a second writer until it stops", async () => {
    const { client, store, session } = await dreamTenant({ "/a.md": "a" });
    const first = await client.beta.dreams.create({
      inputs: inputsFor(store.id, [session.id]),
      model: { id: "claude-fake-1" },
      output_behavior: { type: "update_existing", memory_store_id: store.id },
      instructions: '[[delay:1500]][[tool:write_memory {"path":"/b.md","content":"b"}]]',
    });
    const blocked = await expectRejected(
      client.beta.dreams.create({
        inputs: inputsFor(store.id, [session.id]),
        model: "claude-fake-1",
        output_behavior: { type: "update_existing", memory_store_id: store.id },
      }),
      409,
      "conflict_error",
      new RegExp(first.id),
    );
    expect(blocked.headers?.get("x-should-retry")).toBe("false");

    const done = await waitForStatus(client, first.id, "completed");
    expect(done.outputs).toEqual([{ type: "memory_store", memory_store_id: store.id }]);
    expect(await storeMemories(client, store.id)).toEqual({ "/a.md": "a", "/b.md": "b" });
    // Stopped: the store is free again.
    await vi.waitFor(async () => {
      const next = await client.beta.dreams.create({
        inputs: inputsFor(store.id, [session.id]),
        model: "claude-fake-1",
        output_behavior: { type: "update_existing", memory_store_id: store.id },
      });
      await waitForStatus(client, next.id, "completed");
    });
  });

  it("cancels a running dream: canceled once, edits stop, the store is released; ended dreams refuse", async () => {
    const { client, store, session } = await dreamTenant({ "/a.md": "a" });
    const dream = await client.beta.dreams.create({
      inputs: inputsFor(store.id, [session.id]),
      model: "claude-fake-1",
      output_behavior: { type: "update_existing", memory_store_id: store.id },
      instructions: '[[delay:1500]][[tool:write_memory {"path":"/late.md","content":"too late"}]]',
    });
    await waitForStatus(client, dream.id, "running");
    const canceled = await client.beta.dreams.cancel(dream.id);
    expect(canceled.status).toBe("canceled");
    expect(canceled.ended_at).not.toBeNull();
    expect(await client.beta.dreams.cancel(dream.id)).toMatchObject({ status: "canceled", ended_at: canceled.ended_at });
    await expectRejected(client.beta.dreams.archive("drm_missing"), 404, "not_found_error");

    // The in-flight model call finishes, its usage counts, its edit does not land, and the hold is released.
    await vi.waitFor(async () => expect((await client.beta.dreams.retrieve(dream.id)).usage.output_tokens).toBeGreaterThan(0), { timeout: 10_000 });
    await vi.waitFor(async () => {
      const row = await env.DB.prepare("SELECT held_memory_store_id AS held FROM dreams WHERE id = ?").bind(dream.id).first<{ held: string | null }>();
      expect(row!.held).toBeNull();
    });
    expect(await storeMemories(client, store.id)).toEqual({ "/a.md": "a" });
    expect((await client.beta.dreams.retrieve(dream.id)).status).toBe("canceled");

    const completed = await client.beta.dreams.create({ inputs: inputsFor(store.id, [session.id]), model: "claude-fake-1" });
    await waitForStatus(client, completed.id, "completed");
    await expectRejected(client.beta.dreams.cancel(completed.id), 400, "invalid_request_error", /completed/);
  });

  it("retries failed model calls, and fails with a typed error when they keep failing", async () => {
    const { client, store, session } = await dreamTenant({});
    const retried = await client.beta.dreams.create({
      inputs: inputsFor(store.id, [session.id]),
      model: "claude-fake-1",
      instructions: '[[error:529 x2]][[tool:write_memory {"path":"/n.md","content":"n"}]]',
    });
    const ok = await waitForStatus(client, retried.id, "completed");
    expect(await storeMemories(client, ok.outputs[0]!.memory_store_id)).toEqual({ "/n.md": "n" });

    const broken = await client.beta.dreams.create({
      inputs: inputsFor(store.id, [session.id]),
      model: "claude-fake-1",
      instructions: "[[error:500 always]]",
    });
    const failed = await waitForStatus(client, broken.id, "failed");
    expect(failed.error).toEqual({ type: "internal_error", message: expect.stringMatching(/failed 4 times/) });
    expect(failed.ended_at).not.toBeNull();
  });

  it("resumes after its runner crashes mid-step, and finishes the same output store", async () => {
    const { client, store, session } = await dreamTenant({ "/a.md": "a" });
    const dream = await client.beta.dreams.create({
      inputs: inputsFor(store.id, [session.id]),
      model: "claude-fake-1",
      instructions: '[[delay:800]][[tool:write_memory {"path":"/b.md","content":"b"}]]',
    });
    await waitForStatus(client, dream.id, "running");
    await runInDurableObject(dreamRunner(dream.id), (_instance, state) => state.abort("simulated crash")).catch(() => {});
    const done = await waitForStatus(client, dream.id, "completed", 25_000);
    expect(await storeMemories(client, done.outputs[0]!.memory_store_id)).toEqual({ "/a.md": "a", "/b.md": "b" });
    const copies = await env.DB.prepare("SELECT count(*) AS n FROM memory_stores WHERE name LIKE ?").bind(`%${dream.id}%`).first<{ n: number }>();
    expect(copies!.n).toBe(1);
  });

  it("lists newest first with status filters, archives only ended dreams, and hides archived ones by default", async () => {
    const { client, store, session } = await dreamTenant({});
    const a = await client.beta.dreams.create({ inputs: inputsFor(store.id, [session.id]), model: "claude-fake-1" });
    await waitForStatus(client, a.id, "completed");
    const b = await client.beta.dreams.create({
      inputs: inputsFor(store.id, [session.id]),
      model: "claude-fake-1",
      instructions: "[[delay:3000]]",
    });
    await expectRejected(client.beta.dreams.archive(b.id), 400, "invalid_request_error", /cancel it/);
    expect((await collect(client.beta.dreams.list())).map((d) => d.id)).toEqual([b.id, a.id]);
    expect((await collect(client.beta.dreams.list({ statuses: ["completed"] }))).map((d) => d.id)).toEqual([a.id]);

    const archived = await client.beta.dreams.archive(a.id);
    expect(archived.archived_at).not.toBeNull();
    expect(await client.beta.dreams.archive(a.id)).toEqual(archived);
    expect(await client.beta.dreams.retrieve(a.id)).toEqual(archived);
    expect((await collect(client.beta.dreams.list())).map((d) => d.id)).toEqual([b.id]);
    expect((await collect(client.beta.dreams.list({ include_archived: true }))).map((d) => d.id)).toEqual([b.id, a.id]);
    await client.beta.dreams.cancel(b.id);
  });

  it("refuses bad input with a 4xx that names the problem, and creates nothing", async () => {
    const { client, store, session, workspaceId } = await dreamTenant({});
    const other = await newTenant();
    const otherStore = await other.client.beta.memoryStores.create({ name: "theirs" });
    const bad: [Parameters<Anthropic["beta"]["dreams"]["create"]>[0], number, RegExp][] = [
      [{ inputs: [inputsFor(store.id, [session.id])[0]!], model: "m" }, 400, /exactly one `sessions`/],
      [{ inputs: [...inputsFor(store.id, [session.id]), inputsFor(store.id, [])[0]!], model: "m" }, 400, /exactly one `memory_store`/],
      [{ inputs: inputsFor(store.id, [session.id, session.id]), model: "m" }, 400, /repeat/],
      [{ inputs: inputsFor(store.id, []), model: "m" }, 400, /session_ids/],
      [{ inputs: inputsFor(store.id, [session.id]), model: { id: "m", speed: "fast" } }, 400, /standard/],
      [{ inputs: inputsFor(store.id, [session.id]), model: "m", instructions: "x".repeat(4097) }, 400, /instructions/],
      [
        { inputs: inputsFor(store.id, [session.id]), model: "m", output_behavior: { type: "update_existing", memory_store_id: otherStore.id } },
        400,
        /memory store of the `memory_store` entry/,
      ],
      [{ inputs: inputsFor(otherStore.id, [session.id]), model: "m" }, 404, /memory store not found/],
      [{ inputs: inputsFor(store.id, ["sesn_nope"]), model: "m" }, 404, /session not found: sesn_nope/],
    ];
    for (const [params, status, message] of bad) {
      await expectRejected(client.beta.dreams.create(params), status, status === 400 ? "invalid_request_error" : "not_found_error", message);
    }
    await expectRejected(other.client.beta.dreams.retrieve("drm_x"), 404, "not_found_error");
    const noBeta = await raw("/v1/dreams", { apiKey: other.apiKey });
    expect(noBeta.status).toBe(400);
    expect(await noBeta.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: /dreaming-2026-04-21/ } });
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM dreams WHERE workspace_id = ?").bind(workspaceId).first<{ n: number }>();
    expect(rows!.n).toBe(0);

    // Another workspace's dream is a 404 for every method.
    const mine = await client.beta.dreams.create({ inputs: inputsFor(store.id, [session.id]), model: "claude-fake-1" });
    for (const call of [
      () => other.client.beta.dreams.retrieve(mine.id),
      () => other.client.beta.dreams.cancel(mine.id),
      () => other.client.beta.dreams.archive(mine.id),
    ]) {
      await expectRejected(call(), 404, "not_found_error");
    }
    expect(await collect(other.client.beta.dreams.list())).toEqual([]);
  });
});
