import Anthropic from "@anthropic-ai/sdk";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client";
import { createMemory, deleteMemory, updateMemory } from "../src/db/queries/memory/writes";
import { admin, newTenant, raw, sdk } from "./helpers/client";

type Client = ReturnType<typeof sdk>;
type Memory = Anthropic.Beta.MemoryStores.BetaManagedAgentsMemory;

async function rejects(promise: Promise<unknown>, status: number, type: string) {
  const err = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(Anthropic.APIError);
  expect(err.status).toBe(status);
  expect(err.error?.error?.type).toBe(type);
  return err as InstanceType<typeof Anthropic.APIError> & { error: { error: Record<string, string> } };
}

async function sha256(text: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const versionCount = async (storeId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM memory_versions WHERE memory_store_id = ?")
    .bind(storeId)
    .first<{ n: number }>())!.n;

async function setup() {
  const tenant = await newTenant();
  const store = await tenant.client.beta.memoryStores.create({ name: "notes" });
  const memories = tenant.client.beta.memoryStores.memories;
  const versions = tenant.client.beta.memoryStores.memoryVersions;
  const scope = { memory_store_id: store.id };
  return { ...tenant, store, memories, versions, scope };
}

async function all<T>(page: AsyncIterable<T>) {
  const items: T[] = [];
  for await (const item of page) items.push(item);
  return items;
}

describe("memories", () => {
  it("creates, retrieves, updates, renames and deletes a memory", async () => {
    const { memories, store, scope } = await setup();
    const content = "Prefers tabs. Café ☕";
    const memory = await memories.create(store.id, { path: "/preferences/formatting.md", content });
    expect(memory).toEqual({
      type: "memory",
      id: expect.stringMatching(/^mem_/),
      memory_store_id: store.id,
      path: "/preferences/formatting.md",
      // create defaults to the basic view
      content: null,
      content_sha256: await sha256(content),
      content_size_bytes: new TextEncoder().encode(content).length,
      memory_version_id: expect.stringMatching(/^memver_/),
      created_at: expect.any(String),
      updated_at: memory.created_at,
    });
    expect(memory.content_size_bytes).toBe(content.length + 3); // é is 2 bytes, ☕ is 3

    // retrieve defaults to full; basic leaves the content out but keeps its hash and size
    expect(await memories.retrieve(memory.id, scope)).toEqual({ ...memory, content });
    expect(await memories.retrieve(memory.id, { ...scope, view: "basic" })).toEqual(memory);

    const updated = await memories.update(memory.id, { ...scope, content: "Prefers spaces.", view: "full" });
    expect(updated).toMatchObject({
      id: memory.id,
      path: memory.path,
      content: "Prefers spaces.",
      content_sha256: await sha256("Prefers spaces."),
      created_at: memory.created_at,
    });
    expect(updated.memory_version_id).not.toBe(memory.memory_version_id);

    const renamed = await memories.update(memory.id, { ...scope, path: "/archive/formatting.md" });
    expect(renamed).toMatchObject({ id: memory.id, path: "/archive/formatting.md", content: null });
    expect(renamed.content_sha256).toBe(updated.content_sha256);
    expect((await memories.retrieve(memory.id, scope)).content).toBe("Prefers spaces.");

    expect(await memories.delete(memory.id, scope)).toEqual({ type: "memory_deleted", id: memory.id });
    await rejects(memories.retrieve(memory.id, scope), 404, "not_found_error");
    await rejects(memories.delete(memory.id, scope), 404, "not_found_error");
    await rejects(memories.update(memory.id, { ...scope, content: "x" }), 404, "not_found_error");
    // The path is free again.
    await memories.create(store.id, { path: "/preferences/formatting.md", content: "" });
  });

  it("creates empty memories from \"\" or null, and takes exactly 100 kB but not a byte more", async () => {
    const { memories, store, scope } = await setup();
    const empty = await memories.create(store.id, { path: "/empty", content: "" });
    expect(empty).toMatchObject({ content_size_bytes: 0, content_sha256: await sha256("") });
    const nulled = await memories.create(store.id, { path: "/nulled", content: null });
    expect((await memories.retrieve(nulled.id, scope)).content).toBe("");

    const max = "é".repeat(51_200); // 102,400 bytes in 51,200 characters
    const big = await memories.create(store.id, { path: "/big", content: max });
    expect(big.content_size_bytes).toBe(102_400);
    expect((await memories.retrieve(big.id, scope)).content).toBe(max);
    const err = await rejects(
      memories.create(store.id, { path: "/too-big", content: `${max}x` }),
      400,
      "invalid_request_error",
    );
    expect(err.error.error.message).toContain("content");
    await rejects(memories.update(big.id, { ...scope, content: `${max}x` }), 400, "invalid_request_error");
    expect((await memories.list(store.id)).data.map((m) => m.path)).toEqual(["/big", "/empty", "/nulled"]);
  });

  it("rejects invalid paths and bodies with a 400 naming the field, and writes nothing", async () => {
    const { memories, store, scope, apiKey } = await setup();
    const bad = [
      "notes.md",
      "/",
      "/notes/",
      "//notes.md",
      "/a//b",
      "/./a",
      "/a/..",
      "/tab\there",
      "/zero\u200bwidth", // a format character
      "/line\u2028sep",
      "/cafe\u0301", // not NFC
      `/${"x".repeat(1024)}`,
      `/${Array.from({ length: 21 }, (_, i) => `s${i}`).join("/")}`,
    ];
    for (const path of bad) {
      const err = await rejects(memories.create(store.id, { path, content: "x" }), 400, "invalid_request_error");
      expect(err.error.error.message).toMatch(/^path: /);
    }
    // 20 segments and 1,024 bytes are fine.
    await memories.create(store.id, { path: `/${Array.from({ length: 20 }, (_, i) => `s${i}`).join("/")}`, content: "" });
    await memories.create(store.id, { path: `/${"y".repeat(1023)}`, content: "" });
    const nfc = await memories.create(store.id, { path: "/caf\u00e9", content: "" });
    expect(await versionCount(store.id)).toBe(3);

    const memory = await memories.create(store.id, { path: "/ok.md", content: "ok" });
    const invalidUpdates: Array<Record<string, unknown>> = [
      { path: "no-slash" },
      { precondition: { type: "content_sha256", content_sha256: "abc" } },
      { precondition: { type: "content_sha256" } },
      { precondition: { type: "etag", content_sha256: await sha256("ok") } },
      { metadata: { a: "b" } },
    ];
    for (const body of invalidUpdates) {
      await rejects(
        memories.update(memory.id, { ...scope, ...body } as Anthropic.Beta.MemoryStores.MemoryUpdateParams),
        400,
        "invalid_request_error",
      );
    }
    await rejects(
      memories.create(store.id, { path: "/x", content: "x", extra: 1 } as Anthropic.Beta.MemoryStores.MemoryCreateParams),
      400,
      "invalid_request_error",
    );
    await rejects(memories.create(store.id, { path: "/x" } as never), 400, "invalid_request_error");
    await rejects(memories.delete(memory.id, { ...scope, expected_content_sha256: "nope" }), 400, "invalid_request_error");
    await rejects(memories.retrieve(memory.id, { ...scope, view: "everything" as never }), 400, "invalid_request_error");

    // A lone surrogate has no UTF-8 form: the SDK can't send one, JSON can.
    const res = await raw(`/v1/memory_stores/${store.id}/memories`, {
      apiKey,
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-beta": "agent-memory-2026-07-22" },
      body: '{"path":"/lone","content":"half \\ud800 a pair"}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error", message: expect.stringContaining("content") } });

    expect(await versionCount(store.id)).toBe(4);
    expect(await memories.retrieve(memory.id, scope)).toMatchObject({ path: "/ok.md", content: "ok" });
    expect((await memories.list(store.id, { path_prefix: "/" })).data.map((m) => m.path)).toContain(nfc.path);
  });

  it("refuses a path another memory holds or overlaps with the typed path conflict error", async () => {
    const { memories, store, scope } = await setup();
    const notes = await memories.create(store.id, { path: "/notes", content: "a file" });
    const deep = await memories.create(store.id, { path: "/projects/foo/todo.md", content: "todo" });

    const expectConflict = async (promise: Promise<unknown>, conflicting: { id: string; path: string }) => {
      const err = await rejects(promise, 409, "memory_path_conflict_error");
      expect(err).toBeInstanceOf(Anthropic.ConflictError);
      expect(err.error).toEqual({
        type: "error",
        error: {
          type: "memory_path_conflict_error",
          message: expect.any(String),
          conflicting_path: conflicting.path,
          conflicting_memory_id: conflicting.id,
        },
        request_id: expect.stringMatching(/^req_/),
      });
    };
    // Same path, a path below a file, a path above a file.
    await expectConflict(memories.create(store.id, { path: "/notes", content: "dup" }), notes);
    await expectConflict(memories.create(store.id, { path: "/notes/todo.md", content: "x" }), notes);
    await expectConflict(memories.create(store.id, { path: "/projects", content: "x" }), deep);
    await expectConflict(memories.create(store.id, { path: "/projects/foo", content: "x" }), deep);
    // Renames obey the same rule.
    await expectConflict(memories.update(deep.id, { ...scope, path: "/notes" }), notes);
    await expectConflict(memories.update(notes.id, { ...scope, path: "/projects/foo/todo.md/more" }), deep);

    // Segment-aligned: these only share characters.
    await memories.create(store.id, { path: "/notes-archive/todo.md", content: "x" });
    await memories.create(store.id, { path: "/notes.md", content: "x" });
    await memories.create(store.id, { path: "/projects/foobar.md", content: "x" });
    // Renaming a memory below its own old path is not a clash with itself.
    const moved = await memories.update(notes.id, { ...scope, path: "/notes/inbox.md" });
    expect(moved.path).toBe("/notes/inbox.md");
    expect(await versionCount(store.id)).toBe(6);
  });

  it("applies a content_sha256 precondition, failing with the typed error and writing nothing", async () => {
    const { memories, store, scope } = await setup();
    const memory = await memories.create(store.id, { path: "/a.md", content: "v1" });
    const v1 = memory.content_sha256;

    const v2 = await memories.update(memory.id, {
      ...scope,
      content: "v2",
      precondition: { type: "content_sha256", content_sha256: v1 },
    });
    expect(v2.content_sha256).toBe(await sha256("v2"));

    // A writer still holding v1's hash loses, and nothing changes.
    const before = await versionCount(store.id);
    const err = await rejects(
      memories.update(memory.id, { ...scope, content: "v3", precondition: { type: "content_sha256", content_sha256: v1 } }),
      409,
      "memory_precondition_failed_error",
    );
    expect(err).toBeInstanceOf(Anthropic.ConflictError);
    expect(err.error.error).toEqual({ type: "memory_precondition_failed_error", message: expect.any(String) });
    // A stale rename loses too: the precondition is about the current content, not the destination.
    await rejects(
      memories.update(memory.id, { ...scope, path: "/b.md", precondition: { type: "content_sha256", content_sha256: v1 } }),
      409,
      "memory_precondition_failed_error",
    );
    expect(await versionCount(store.id)).toBe(before);
    expect(await memories.retrieve(memory.id, scope)).toMatchObject({ path: "/a.md", content: "v2" });

    // A retry of a write that already landed succeeds although the hash moved on.
    const replay = await memories.update(memory.id, {
      ...scope,
      content: "v2",
      precondition: { type: "content_sha256", content_sha256: v1 },
    });
    expect(replay).toEqual(v2);
    expect(await versionCount(store.id)).toBe(before);

    // Conditional delete: a stale hash deletes nothing, the current one deletes.
    await rejects(
      memories.delete(memory.id, { ...scope, expected_content_sha256: v1 }),
      409,
      "memory_precondition_failed_error",
    );
    expect((await memories.retrieve(memory.id, scope)).content).toBe("v2");
    await memories.delete(memory.id, { ...scope, expected_content_sha256: v2.content_sha256 });
    await rejects(memories.retrieve(memory.id, scope), 404, "not_found_error");
  });

  it("lets exactly one of several racing writers win, whatever the interleaving", async () => {
    // SDK requests to the in-process Worker run one after another here, so the race is run
    // on the write functions the routes call, where the reads and writes do interleave.
    const { memories, versions, store, scope, workspaceId } = await setup();
    const db = database(env.DB);
    const where = { workspaceId, memoryStoreId: store.id };
    const actor = { type: "api_actor" as const, id: "apikey_test" };
    const settle = async (writes: Promise<unknown>[]) => {
      const results = await Promise.allSettled(writes);
      return {
        won: results.filter((r) => r.status === "fulfilled").length,
        lost: results.flatMap((r) => (r.status === "rejected" ? [r.reason.error?.type ?? r.reason.type] : [])),
      };
    };

    const memory = await memories.create(store.id, { path: "/race.md", content: "base" });
    const guarded = (content: string) => updateMemory(db, where, memory.id, { content, expectedSha256: memory.content_sha256 }, actor);
    expect(await settle([guarded("left"), guarded("right"), guarded("middle")])).toEqual({
      won: 1,
      lost: ["memory_precondition_failed_error", "memory_precondition_failed_error"],
    });
    const current = await memories.retrieve(memory.id, scope);
    expect(await versionCount(store.id)).toBe(2);

    // A guarded delete racing a guarded update: one of them, never both.
    const both = await settle([
      updateMemory(db, where, memory.id, { content: "late", expectedSha256: current.content_sha256 }, actor),
      deleteMemory(db, where, memory.id, current.content_sha256, actor),
    ]);
    expect(both.won).toBe(1);
    expect(both.lost).toHaveLength(1);
    expect(await versionCount(store.id)).toBe(3);

    // Two deletes of one memory: one deleted version, one 404.
    const doomed = await memories.create(store.id, { path: "/doomed.md", content: "x" });
    const deletes = await settle([1, 2].map(() => deleteMemory(db, where, doomed.id, doomed.content_sha256, actor)));
    expect(deletes).toEqual({ won: 1, lost: ["not_found_error"] });
    const doomedVersions = await all(versions.list(store.id, { memory_id: doomed.id }));
    expect(doomedVersions.map((v) => v.operation)).toEqual(["deleted", "created"]);
    // Creates racing for one path, or for overlapping paths: one lands, the rest conflict.
    const creates = await settle(
      ["/same.md", "/same.md", "/same.md/below", "/same.md/below/deeper"].map((path) =>
        createMemory(db, where, { path, content: path, actor }),
      ),
    );
    expect(creates).toEqual({ won: 1, lost: Array(3).fill("memory_path_conflict_error") });
    expect(await versionCount(store.id)).toBe(6);
  });

  it("lists in path order, by segment-aligned prefix, rolling deeper paths up by depth", async () => {
    const { memories, store } = await setup();
    const paths = ["/b.md", "/a/x.md", "/a/y/deep.md", "/a/y/z/deeper.md", "/a-b.md", "/c/1.md", "/c/2.md", "/notes-archive/n.md"];
    for (const path of paths) await memories.create(store.id, { path, content: path });
    const list = async (params: Anthropic.Beta.MemoryStores.MemoryListParams) =>
      (await all(memories.list(store.id, params))).map((item) => `${item.type === "memory" ? "" : "prefix:"}${item.path}`);

    expect(await list({})).toEqual([...paths].sort());
    expect(await list({ path_prefix: "/a/" })).toEqual(["/a/x.md", "/a/y/deep.md", "/a/y/z/deeper.md"]);
    expect(await list({ path_prefix: "/notes/" })).toEqual([]);
    expect(await list({ depth: 1 })).toEqual(["/a-b.md", "prefix:/a/", "/b.md", "prefix:/c/", "prefix:/notes-archive/"]);
    expect(await list({ path_prefix: "/a/", depth: 1 })).toEqual(["/a/x.md", "prefix:/a/y/"]);
    expect(await list({ path_prefix: "/a/", depth: 2 })).toEqual(["/a/x.md", "/a/y/deep.md", "prefix:/a/y/z/"]);
    // A prefix counts toward the page; paging walks prefixes and memories alike.
    const page = await memories.list(store.id, { depth: 1, limit: 2 });
    expect(page.data.map((i) => i.path)).toEqual(["/a-b.md", "/a/"]);
    expect(page.data[1]).toEqual({ type: "memory_prefix", path: "/a/" });
    expect(await list({ depth: 1, limit: 2 })).toEqual(await list({ depth: 1 }));
    expect(await list({ limit: 3 })).toEqual([...paths].sort());

    for (const bad of [
      { path_prefix: "/a" },
      { path_prefix: "a/" },
      { path_prefix: "//" },
      { depth: -1 },
      { limit: 101 },
      { limit: 0 },
    ]) {
      await rejects(memories.list(store.id, bad), 400, "invalid_request_error");
    }
    await rejects(memories.list(store.id, { page: "garbage" }), 400, "invalid_request_error");
  });

  it("serves the environment worker's sync: basic pages of 100, full pages capped at 20, then conditional writes", async () => {
    const { memories, store, scope } = await setup();
    const written = new Map<string, string>();
    for (let i = 0; i < 105; i++) {
      const path = `/sync/${String(i).padStart(3, "0")}.md`;
      written.set(path, `content ${i}`);
      await memories.create(store.id, { path, content: `content ${i}` });
    }

    // The worker's listing: view basic, limit 100, walked to the end; shas but no content.
    const first = await memories.list(store.id, { view: "basic", limit: 100 });
    expect(first.data).toHaveLength(100);
    expect(first.next_page).toEqual(expect.any(String));
    const listed = (await all(memories.list(store.id, { view: "basic", limit: 100 }))) as Memory[];
    expect(listed.map((m) => m.path)).toEqual([...written.keys()]);
    for (const m of listed) {
      expect(m.content).toBeNull();
      expect(m.content_sha256).toBe(await sha256(written.get(m.path)!));
    }

    // Full pages hold at most 20 items whatever the limit, and carry content.
    const full = await memories.list(store.id, { view: "full", limit: 100 });
    expect(full.data).toHaveLength(20);
    const everything = (await all(memories.list(store.id, { view: "full", limit: 20 }))) as Memory[];
    expect(everything.map((m) => [m.path, m.content])).toEqual([...written.entries()]);

    // Pull one, push an edit guarded by the listed sha, create a new file, delete guarded by sha.
    const target = listed[7];
    const pulled = await memories.retrieve(target.id, { ...scope, view: "full" });
    expect(pulled.content).toBe(written.get(target.path));
    const pushed = await memories.update(target.id, {
      ...scope,
      content: "edited locally",
      precondition: { type: "content_sha256", content_sha256: target.content_sha256 },
    });
    expect(pushed.content_sha256).toBe(await sha256("edited locally"));
    // The same stale push again: the 409 the worker reads as "changed remotely".
    const stale = await rejects(
      memories.update(target.id, {
        ...scope,
        content: "another local edit",
        precondition: { type: "content_sha256", content_sha256: target.content_sha256 },
      }),
      409,
      "memory_precondition_failed_error",
    );
    expect(stale.status).toBe(409);
    const added = await memories.create(store.id, { path: "/sync/new.md", content: "new" });
    expect(added.content_sha256).toBe(await sha256("new"));
    await rejects(
      memories.delete(listed[8].id, { ...scope, expected_content_sha256: pushed.content_sha256 }),
      409,
      "memory_precondition_failed_error",
    );
    await memories.delete(listed[8].id, { ...scope, expected_content_sha256: listed[8].content_sha256 });
    await rejects(memories.retrieve(listed[8].id, { ...scope, view: "full" }), 404, "not_found_error");
  });
});

describe("memory versions", () => {
  it("records every write as an immutable version with its operation and actor", async () => {
    const { memories, versions, store, scope, workspaceId } = await setup();
    const second = await admin(`/workspaces/${workspaceId}/api_keys`, { name: "second" });
    const other = sdk(second.key as string);

    const memory = await memories.create(store.id, { path: "/a.md", content: "one" });
    const modified = await other.beta.memoryStores.memories.update(memory.id, { ...scope, content: "two" });
    const renamed = await memories.update(memory.id, { ...scope, path: "/b.md" });
    // An update that changes nothing adds no version.
    const same = await memories.update(memory.id, { ...scope, content: "two", path: "/b.md" });
    expect(same.memory_version_id).toBe(renamed.memory_version_id);
    await memories.delete(memory.id, scope);

    const history = await all(versions.list(store.id, { memory_id: memory.id }));
    expect(history.map((v) => [v.operation, v.path, v.content_size_bytes])).toEqual([
      ["deleted", "/b.md", null],
      ["modified", "/b.md", 3],
      ["modified", "/a.md", 3],
      ["created", "/a.md", 3],
    ]);
    expect(history.map((v) => v.id).slice(1)).toEqual([
      renamed.memory_version_id,
      modified.memory_version_id,
      memory.memory_version_id,
    ]);
    const [deleted, , , created] = history;
    expect(deleted).toMatchObject({ content: null, content_sha256: null, content_size_bytes: null, redacted_at: null });
    expect(created).toEqual({
      type: "memory_version",
      id: memory.memory_version_id,
      memory_store_id: store.id,
      memory_id: memory.id,
      operation: "created",
      path: "/a.md",
      content: null, // lists default to basic
      content_sha256: await sha256("one"),
      content_size_bytes: 3,
      created_by: { type: "api_actor", api_key_id: expect.stringMatching(/^apikey_/) },
      created_at: memory.created_at,
      redacted_at: null,
    });
    // `redacted_by` is optional, not nullable, in the SDK: absent until a redaction.
    expect(Object.keys(created)).not.toContain("redacted_by");
    expect(history[2].created_by).toEqual({ type: "api_actor", api_key_id: second.id });
    expect(created.created_by).not.toEqual(history[2].created_by);

    // Retrieve defaults to full: each version holds the content as of that write.
    expect((await versions.retrieve(created.id, scope)).content).toBe("one");
    expect((await versions.retrieve(renamed.memory_version_id, scope)).content).toBe("two");
    expect((await versions.retrieve(created.id, { ...scope, view: "basic" })).content).toBeNull();
    const fullList = await versions.list(store.id, { memory_id: memory.id, view: "full" });
    expect(fullList.data.map((v) => v.content)).toEqual([null, "two", "two", "one"]);

    // Filters.
    const ops = async (params: Anthropic.Beta.MemoryStores.MemoryVersionListParams) =>
      (await all(versions.list(store.id, params))).map((v) => v.operation);
    expect(await ops({ operation: "modified" })).toEqual(["modified", "modified"]);
    expect(await ops({ api_key_id: second.id })).toEqual(["modified"]);
    expect(await ops({ session_id: "sesn_nobody" })).toEqual([]);
    expect(await ops({ service_account_id: "svac_nobody" })).toEqual([]);
    expect(await ops({ memory_id: "mem_unknown" })).toEqual([]);
    expect(await ops({ "created_at[gte]": deleted.created_at })).toEqual(["deleted"]);
    expect(await ops({ "created_at[lte]": created.created_at })).toEqual(["created"]);
    await rejects(versions.list(store.id, { operation: "renamed" as never }), 400, "invalid_request_error");
    await rejects(versions.list(store.id, { limit: 101 }), 400, "invalid_request_error");
    await rejects(versions.retrieve("memver_unknown", scope), 404, "not_found_error");
  });

  it("pages through a store's versions newest first with for await", async () => {
    const { memories, versions, store, scope } = await setup();
    const memory = await memories.create(store.id, { path: "/counter", content: "0" });
    const ids = [memory.memory_version_id];
    for (let i = 1; i <= 24; i++) {
      ids.push((await memories.update(memory.id, { ...scope, content: String(i) })).memory_version_id);
    }
    const seen = (await all(versions.list(store.id, { limit: 7 }))).map((v) => v.id);
    expect(seen).toEqual([...ids].reverse());
    // Full pages are capped at 20.
    const full = await versions.list(store.id, { view: "full", limit: 50 });
    expect(full.data).toHaveLength(20);
    expect(full.data[0].content).toBe("24");
    expect((await all(versions.list(store.id, { view: "full", limit: 50 }))).map((v) => v.content)).toEqual(
      ids.map((_, i) => String(i)).reverse(),
    );
  });

  it("redacts a version's content and path but keeps the record; the live version can't be redacted", async () => {
    const { memories, versions, store, scope } = await setup();
    const memory = await memories.create(store.id, { path: "/secrets.md", content: "api key: sk-live-123" });
    const fixed = await memories.update(memory.id, { ...scope, content: "use the vault" });

    const err = await rejects(versions.redact(fixed.memory_version_id, scope), 409, "conflict_error");
    expect(err.error.error.message).toContain("current content");
    expect((await versions.retrieve(fixed.memory_version_id, scope)).content).toBe("use the vault");

    const redacted = await versions.redact(memory.memory_version_id, scope);
    expect(redacted).toMatchObject({
      id: memory.memory_version_id,
      memory_id: memory.id,
      operation: "created",
      path: null,
      content: null,
      content_sha256: null,
      content_size_bytes: null,
      created_by: { type: "api_actor" },
      created_at: memory.created_at,
      redacted_at: expect.any(String),
    });
    expect(redacted.redacted_by).toEqual(redacted.created_by);
    expect(await versions.retrieve(memory.memory_version_id, scope)).toEqual(redacted);
    expect(await versions.retrieve(memory.memory_version_id, { ...scope, view: "basic" })).toEqual(redacted);
    // Idempotent, and nowhere to be read again.
    expect(await versions.redact(memory.memory_version_id, scope)).toEqual(redacted);
    const listed = await all(versions.list(store.id, { view: "full" }));
    expect(listed.map((v) => v.content)).toEqual(["use the vault", null]);
    const row = await env.DB.prepare("SELECT content, path FROM memory_versions WHERE id = ?")
      .bind(memory.memory_version_id)
      .first();
    expect(row).toEqual({ content: null, path: null });
    // The memory itself is untouched.
    expect(await memories.retrieve(memory.id, scope)).toMatchObject({ content: "use the vault", path: "/secrets.md" });

    // Once the memory is gone, every version of it can be redacted, the deleted one included.
    await memories.delete(memory.id, scope);
    for (const v of await all(versions.list(store.id, { memory_id: memory.id }))) {
      expect((await versions.redact(v.id, scope)).redacted_at).toEqual(expect.any(String));
    }
    const history = await all(versions.list(store.id, { memory_id: memory.id }));
    expect(history.map((v) => [v.operation, v.path])).toEqual([
      ["deleted", null],
      ["modified", null],
      ["created", null],
    ]);
    await rejects(versions.redact("memver_unknown", scope), 404, "not_found_error");
  });
});
