import Anthropic from "@anthropic-ai/sdk";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newTenant, raw } from "./helpers/client";

async function rejects(promise: Promise<unknown>, status: number, type: string) {
  const err = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(Anthropic.APIError);
  expect(err.status).toBe(status);
  expect(err.error?.error?.type).toBe(type);
  return err as InstanceType<typeof Anthropic.APIError> & { error: { error: { message: string } } };
}

const count = async (table: string, workspaceId: string) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE workspace_id = ?`).bind(workspaceId).first<{ n: number }>())!
    .n;

describe("memory stores", () => {
  it("creates, retrieves, updates and deletes a store", async () => {
    const { client } = await newTenant();
    const store = await client.beta.memoryStores.create({ name: "User Preferences", metadata: { user: "u_1" } });
    expect(store).toEqual({
      type: "memory_store",
      id: expect.stringMatching(/^memstore_/),
      name: "User Preferences",
      description: "",
      metadata: { user: "u_1" },
      created_at: expect.any(String),
      updated_at: store.created_at,
      archived_at: null,
    });
    expect(await client.beta.memoryStores.retrieve(store.id)).toEqual(store);

    const updated = await client.beta.memoryStores.update(store.id, {
      description: "Per-user preferences.",
      metadata: { user: null, tier: "pro" },
    });
    expect(updated).toMatchObject({ name: "User Preferences", description: "Per-user preferences.", metadata: { tier: "pro" } });
    expect(updated.updated_at >= store.updated_at).toBe(true);
    const renamed = await client.beta.memoryStores.update(store.id, { name: "Prefs", description: "" });
    expect(renamed).toMatchObject({ name: "Prefs", description: "", metadata: { tier: "pro" } });
    expect(await client.beta.memoryStores.retrieve(store.id)).toEqual(renamed);

    expect(await client.beta.memoryStores.delete(store.id)).toEqual({ type: "memory_store_deleted", id: store.id });
    await rejects(client.beta.memoryStores.retrieve(store.id), 404, "not_found_error");
    await rejects(client.beta.memoryStores.delete(store.id), 404, "not_found_error");
  });

  it("deleting a store deletes its memories and versions", async () => {
    const { client, workspaceId } = await newTenant();
    const store = await client.beta.memoryStores.create({ name: "s" });
    const memory = await client.beta.memoryStores.memories.create(store.id, { path: "/a.md", content: "a" });
    await client.beta.memoryStores.memories.update(memory.id, { memory_store_id: store.id, content: "b" });
    expect(await count("memory_versions", workspaceId)).toBe(2);

    await client.beta.memoryStores.delete(store.id);
    expect(await count("memories", workspaceId)).toBe(0);
    expect(await count("memory_versions", workspaceId)).toBe(0);
    await rejects(client.beta.memoryStores.memories.list(store.id), 404, "not_found_error");
  });

  it("pages through every store with for await, newest first", async () => {
    const { client } = await newTenant();
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await client.beta.memoryStores.create({ name: `s${i}` })).id);

    const first = await client.beta.memoryStores.list({ limit: 3 });
    expect(first.data.map((s) => s.id)).toEqual(created.slice(4).reverse());
    expect(first.next_page).toEqual(expect.any(String));

    const seen: string[] = [];
    for await (const store of client.beta.memoryStores.list({ limit: 3 })) seen.push(store.id);
    expect(seen).toEqual([...created].reverse());
  });

  it("filters the list by created_at bounds, inclusive", async () => {
    const { client } = await newTenant();
    const a = await client.beta.memoryStores.create({ name: "a" });
    await new Promise((r) => setTimeout(r, 5));
    const b = await client.beta.memoryStores.create({ name: "b" });
    await new Promise((r) => setTimeout(r, 5));
    const c = await client.beta.memoryStores.create({ name: "c" });

    const ids = async (params: Anthropic.Beta.MemoryStores.MemoryStoreListParams) =>
      (await client.beta.memoryStores.list(params)).data.map((s) => s.id);
    expect(await ids({ "created_at[gte]": b.created_at })).toEqual([c.id, b.id]);
    expect(await ids({ "created_at[lte]": b.created_at })).toEqual([b.id, a.id]);
    expect(await ids({ "created_at[gte]": b.created_at, "created_at[lte]": b.created_at })).toEqual([b.id]);
    // Any RFC 3339 offset is accepted and compared as the instant it names.
    const shifted = new Date(Date.parse(b.created_at)).toISOString().replace("Z", "+00:00");
    expect(await ids({ "created_at[gte]": shifted })).toEqual([c.id, b.id]);
    await rejects(client.beta.memoryStores.list({ "created_at[gte]": "yesterday" }), 400, "invalid_request_error");
  });

  it("archives one way: hidden from lists unless asked, no more writes, still readable and deletable", async () => {
    const { client } = await newTenant();
    const keep = await client.beta.memoryStores.create({ name: "keep" });
    const store = await client.beta.memoryStores.create({ name: "gone" });
    const memory = await client.beta.memoryStores.memories.create(store.id, { path: "/notes.md", content: "v1" });

    const archived = await client.beta.memoryStores.archive(store.id);
    expect(archived.archived_at).toEqual(expect.any(String));
    expect(archived.updated_at).toBe(archived.archived_at);
    expect(await client.beta.memoryStores.retrieve(store.id)).toEqual(archived);
    expect((await client.beta.memoryStores.archive(store.id)).archived_at).toBe(archived.archived_at);

    expect((await client.beta.memoryStores.list()).data.map((s) => s.id)).toEqual([keep.id]);
    expect((await client.beta.memoryStores.list({ include_archived: true })).data.map((s) => s.id)).toEqual([
      store.id,
      keep.id,
    ]);

    await rejects(client.beta.memoryStores.update(store.id, { name: "x" }), 400, "invalid_request_error");
    await rejects(
      client.beta.memoryStores.memories.create(store.id, { path: "/new.md", content: "x" }),
      400,
      "invalid_request_error",
    );
    await rejects(
      client.beta.memoryStores.memories.update(memory.id, { memory_store_id: store.id, content: "v2" }),
      400,
      "invalid_request_error",
    );
    expect((await client.beta.memoryStores.retrieve(store.id)).name).toBe("gone");

    // Reads, deletes and redactions still work.
    expect((await client.beta.memoryStores.memories.retrieve(memory.id, { memory_store_id: store.id })).content).toBe("v1");
    await client.beta.memoryStores.memories.delete(memory.id, { memory_store_id: store.id });
    const created = await client.beta.memoryStores.memoryVersions.redact(memory.memory_version_id, {
      memory_store_id: store.id,
    });
    expect(created.redacted_at).toEqual(expect.any(String));
    expect(await client.beta.memoryStores.delete(store.id)).toEqual({ type: "memory_store_deleted", id: store.id });
  });

  it("rejects invalid bodies with a 400 naming the field, and writes nothing", async () => {
    const { client, apiKey, workspaceId } = await newTenant();
    const invalid: unknown[] = [
      {},
      { name: "" },
      { name: "x".repeat(256) },
      { name: "bad\u0007name" },
      { name: "ok", description: "d".repeat(1025) },
      { name: "ok", metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) },
      { name: "ok", metadata: { k: "v".repeat(513) } },
      { name: "ok", unknown_field: true },
    ];
    for (const body of invalid) {
      const err = await rejects(
        client.beta.memoryStores.create(body as Anthropic.Beta.MemoryStores.MemoryStoreCreateParams),
        400,
        "invalid_request_error",
      );
      expect(err.error.error.message).toMatch(/name|description|metadata|unknown_field|Unrecognized/);
    }
    const res = await raw("/v1/memory_stores", {
      apiKey,
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-beta": "agent-memory-2026-07-22" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect(await count("memory_stores", workspaceId)).toBe(0);

    const store = await client.beta.memoryStores.create({ name: "ok" });
    await rejects(client.beta.memoryStores.update(store.id, { name: "" }), 400, "invalid_request_error");
    const err = await rejects(
      client.beta.memoryStores.update(store.id, {
        metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])),
      }),
      400,
      "invalid_request_error",
    );
    expect(err.error.error.message).toContain("metadata");
    expect(await client.beta.memoryStores.retrieve(store.id)).toEqual(store);
    await rejects(client.beta.memoryStores.list({ limit: 101 }), 400, "invalid_request_error");
    await rejects(client.beta.memoryStores.list({ limit: 0 }), 400, "invalid_request_error");
  });

  it("answers to either memory beta, and to neither without one", async () => {
    const { apiKey, workspaceId } = await newTenant();
    const create = (beta: string) =>
      raw("/v1/memory_stores", {
        apiKey,
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-beta": beta },
        body: JSON.stringify({ name: "s" }),
      });
    expect((await create("agent-memory-2026-07-22")).status).toBe(200);
    expect((await create("managed-agents-2026-04-01")).status).toBe(200);
    const refused = await create("files-api-2025-04-14");
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringContaining("agent-memory-2026-07-22") },
    });
    expect(await count("memory_stores", workspaceId)).toBe(2);
  });

  it("keeps tenants apart: another workspace's store is a 404 everywhere and never listed", async () => {
    const alice = await newTenant("alice");
    const bob = await newTenant("bob");
    const store = await alice.client.beta.memoryStores.create({ name: "alice's" });
    const memory = await alice.client.beta.memoryStores.memories.create(store.id, { path: "/a.md", content: "secret" });
    const scope = { memory_store_id: store.id };

    await rejects(bob.client.beta.memoryStores.retrieve(store.id), 404, "not_found_error");
    await rejects(bob.client.beta.memoryStores.update(store.id, { name: "mine" }), 404, "not_found_error");
    await rejects(bob.client.beta.memoryStores.archive(store.id), 404, "not_found_error");
    await rejects(bob.client.beta.memoryStores.delete(store.id), 404, "not_found_error");
    await rejects(bob.client.beta.memoryStores.memories.list(store.id), 404, "not_found_error");
    await rejects(bob.client.beta.memoryStores.memories.retrieve(memory.id, scope), 404, "not_found_error");
    await rejects(
      bob.client.beta.memoryStores.memories.create(store.id, { path: "/b.md", content: "x" }),
      404,
      "not_found_error",
    );
    await rejects(
      bob.client.beta.memoryStores.memories.update(memory.id, { ...scope, content: "pwned" }),
      404,
      "not_found_error",
    );
    await rejects(bob.client.beta.memoryStores.memories.delete(memory.id, scope), 404, "not_found_error");
    await rejects(bob.client.beta.memoryStores.memoryVersions.list(store.id), 404, "not_found_error");
    await rejects(
      bob.client.beta.memoryStores.memoryVersions.retrieve(memory.memory_version_id, scope),
      404,
      "not_found_error",
    );
    await rejects(
      bob.client.beta.memoryStores.memoryVersions.redact(memory.memory_version_id, scope),
      404,
      "not_found_error",
    );
    expect((await bob.client.beta.memoryStores.list({ include_archived: true })).data).toEqual([]);

    // Bob's own store can't reach Alice's memory either.
    const bobs = await bob.client.beta.memoryStores.create({ name: "bob's" });
    await rejects(
      bob.client.beta.memoryStores.memories.retrieve(memory.id, { memory_store_id: bobs.id }),
      404,
      "not_found_error",
    );
    const fresh = await alice.client.beta.memoryStores.memories.retrieve(memory.id, scope);
    expect(fresh).toMatchObject({ content: "secret", memory_version_id: memory.memory_version_id });
    expect((await alice.client.beta.memoryStores.retrieve(store.id)).name).toBe("alice's");
  });
});
