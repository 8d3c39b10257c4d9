import { env } from "cloudflare:workers";
import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { toFile } from "@anthropic-ai/sdk";
import { raw } from "./helpers/client";
import { allEvents, lookupTool, say, sessionTenant, waitForEvents, waitForIdle, expectRejected } from "./helpers/sessions";


describe("sessions: create and retrieve", () => {
  it("creates a session with the resolved agent snapshot, resources, metadata and title", async () => {
    const { client, agent, environment } = await sessionTenant({ system: "sys", tools: [lookupTool] });
    const vault = await client.beta.vaults.create({ display_name: "v" });
    const file = await client.beta.files.upload({ file: await toFile(new Uint8Array([1, 2, 3]), "data.csv") });
    const store = await client.beta.memoryStores.create({ name: "prefs", description: "What the user likes" });
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      title: "Order help",
      metadata: { customer: "c_1" },
      vault_ids: [vault.id],
      resources: [
        { type: "github_repository", url: "https://github.com/acme/app.git", authorization_token: "ghp_secret" },
        { type: "file", file_id: file.id },
        { type: "memory_store", memory_store_id: store.id, access: "read_only" },
      ],
    });
    expect(session).toMatchObject({
      type: "session",
      status: "idle",
      title: "Order help",
      metadata: { customer: "c_1" },
      environment_id: environment.id,
      vault_ids: [vault.id],
      archived_at: null,
      budget: null,
      outcome_evaluations: [],
      usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 } },
      agent: {
        type: "agent",
        id: agent.id,
        version: 1,
        name: "tester",
        system: "sys",
        model: agent.model,
        tools: agent.tools,
        mcp_servers: [],
        skills: [],
        multiagent: null,
        execution_identity: { type: "service_account" },
      },
    });
    expect(session.stats).toEqual({ active_seconds: 0, duration_seconds: expect.any(Number) });
    expect(session.resources).toEqual([
      {
        id: expect.stringMatching(/^sesrsc_/),
        type: "github_repository",
        url: "https://github.com/acme/app.git",
        mount_path: "/workspace/app",
        checkout: null,
        created_at: session.created_at,
        updated_at: session.created_at,
      },
      {
        id: expect.stringMatching(/^sesrsc_/),
        type: "file",
        file_id: file.id,
        mount_path: `/mnt/session/uploads/${file.id}`,
        created_at: session.created_at,
        updated_at: session.created_at,
      },
      {
        id: expect.stringMatching(/^sesrsc_/),
        type: "memory_store",
        memory_store_id: store.id,
        name: "prefs",
        mount_path: "/mnt/memory/prefs",
        access: "read_only",
        description: "What the user likes",
        instructions: null,
        created_at: session.created_at,
        updated_at: session.created_at,
      },
    ]);
    expect(JSON.stringify(session)).not.toContain("ghp_secret");
    const again = await client.beta.sessions.retrieve(session.id);
    expect({ ...again, stats: undefined }).toEqual({ ...session, stats: undefined });
  });

  it("pins an agent version, and the snapshot does not follow later agent updates", async () => {
    const { client, agent, environment } = await sessionTenant({ system: "v1" });
    await client.beta.agents.update(agent.id, { version: 1, system: "v2" });
    const pinned = await client.beta.sessions.create({ agent: { type: "agent", id: agent.id, version: 1 }, environment_id: environment.id });
    const latest = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    expect(pinned.agent).toMatchObject({ version: 1, system: "v1" });
    expect(latest.agent).toMatchObject({ version: 2, system: "v2" });
    await client.beta.agents.update(agent.id, { version: 2, system: "v3" });
    expect((await client.beta.sessions.retrieve(latest.id)).agent.system).toBe("v2");
    await expectRejected(
      client.beta.sessions.create({ agent: { type: "agent", id: agent.id, version: 9 }, environment_id: environment.id }),
      404,
      "not_found_error",
    );
  });

  it("applies agent_with_overrides to the session only", async () => {
    const { client, agent, environment } = await sessionTenant({ system: "base" });
    const session = await client.beta.sessions.create({
      agent: { type: "agent_with_overrides", id: agent.id, system: "override", tools: [lookupTool] },
      environment_id: environment.id,
    });
    expect(session.agent).toMatchObject({ id: agent.id, version: 1, system: "override", tools: [lookupTool] });
    expect((await client.beta.agents.retrieve(agent.id)).system).toBe("base");
  });

  it("processes initial_events: the first turn starts at creation", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      initial_events: [say("Where is my order #1234?")],
    });
    const events = await waitForIdle(client, session.id);
    expect(events[0]).toMatchObject({ type: "user.message", content: [{ type: "text", text: "Where is my order #1234?" }] });
    expect((events.find((e) => e.type === "agent.message") as any).content[0].text).toBe("Echo: Where is my order #1234?");
  });

  it("rejects bad input with the field named, and writes no session", async () => {
    const { client, apiKey, agent, environment } = await sessionTenant();
    await expectRejected(client.beta.sessions.create({ agent: "agent_missing", environment_id: environment.id }), 404, "not_found_error", /agent/);
    await expectRejected(client.beta.sessions.create({ agent: agent.id, environment_id: "env_missing" }), 404, "not_found_error", /environment/);
    await expectRejected(
      client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, resources: [{ type: "file", file_id: "file_missing" }] }),
      404,
      "not_found_error",
      /file/,
    );
    await expectRejected(
      client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, vault_ids: ["vlt_missing"] }),
      404,
      "not_found_error",
      /vault/,
    );
    await expectRejected(
      client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }),
      400,
      "invalid_request_error",
      /metadata/,
    );
    await expectRejected(
      client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, budget: { type: "limit", max_list_cost: { amount: "1", currency: "USD" } } as any }),
      400,
      "invalid_request_error",
      /budget/,
    );
    const res = await raw("/v1/sessions", {
      apiKey,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent: agent.id, environment_id: environment.id, surprise: 1 }),
    });
    expect(res.status).toBe(400);
    expect((await res.json<any>()).error.message).toContain("surprise");
    await expectRejected(
      client.beta.sessions.create({
        agent: agent.id,
        environment_id: environment.id,
        initial_events: [say("go"), { type: "user.define_outcome", description: "d" } as any],
      }),
      400,
      "invalid_request_error",
      /rubric/,
    );
    await client.beta.agents.archive(agent.id);
    await expectRejected(client.beta.sessions.create({ agent: agent.id, environment_id: environment.id }), 400, "invalid_request_error", /archived/);
    expect((await client.beta.sessions.list()).data).toEqual([]);
  });
});

describe("sessions: update, archive, delete", () => {
  it("updates title and metadata (patch), emitting session.updated", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, metadata: { a: "1", b: "2" } });
    const updated = await client.beta.sessions.update(session.id, { title: "New", metadata: { a: null, c: "3" } });
    expect(updated).toMatchObject({ title: "New", metadata: { b: "2", c: "3" } });
    expect(updated.updated_at >= session.updated_at).toBe(true);
    const events = await allEvents(client, session.id);
    expect(events).toEqual([
      { id: expect.any(String), type: "session.updated", processed_at: expect.any(String), title: "New", metadata: { b: "2", c: "3" } },
    ]);
    // Nothing changed, nothing emitted.
    await client.beta.sessions.update(session.id, { title: "New" });
    expect(await allEvents(client, session.id)).toHaveLength(1);
    await expectRejected(client.beta.sessions.update(session.id, { vault_ids: [] }), 400, "invalid_request_error", /vault_ids/);
  });

  it("replaces the agent's tools for the session while idle, and the model gets the new tools", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const updated = await client.beta.sessions.update(session.id, { agent: { tools: [lookupTool] } });
    expect(updated.agent.tools).toEqual([lookupTool]);
    const events = await allEvents(client, session.id);
    expect(events[0]).toMatchObject({ type: "session.updated", agent: { tools: [lookupTool] } });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:lookup {"q":"1"}]]')] });
    const after = await waitForIdle(client, session.id);
    expect(after.find((e) => e.type === "agent.custom_tool_use")).toMatchObject({ name: "lookup" });
    // Not while the session waits on that tool call.
    await expectRejected(client.beta.sessions.update(session.id, { agent: { tools: [] } }), 400, "invalid_request_error", /idle/);
  });

  it("archives: hidden from the default list, refuses new events, keeps history", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const archived = await client.beta.sessions.archive(session.id);
    expect(archived.archived_at).toEqual(expect.any(String));
    expect((await client.beta.sessions.list()).data).toEqual([]);
    expect((await client.beta.sessions.list({ include_archived: true })).data.map((s) => s.id)).toEqual([session.id]);
  });

  it("will not archive or delete a running session", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[slow:100]] [[text:a b c d e f g h i j]]")] });
    await waitForEvents(client, session.id, (e) => e.type === "span.model_request_start");
    await expectRejected(client.beta.sessions.archive(session.id), 400, "invalid_request_error", /running/);
    await expectRejected(client.beta.sessions.delete(session.id), 400, "invalid_request_error", /running/);
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] });
    expect((await client.beta.sessions.delete(session.id)).type).toBe("session_deleted");
  });

  it("deletes the record and the Durable Object's storage", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, initial_events: [say("hi")] });
    await waitForIdle(client, session.id);
    expect(await client.beta.sessions.delete(session.id)).toEqual({ type: "session_deleted", id: session.id });
    await expectRejected(client.beta.sessions.retrieve(session.id), 404, "not_found_error");
    await expectRejected(client.beta.sessions.events.list(session.id), 404, "not_found_error");
    const id = env.SESSIONS.idFromName(session.id);
    expect((await listDurableObjectIds(env.SESSIONS)).some((known) => known.equals(id))).toBe(true);
    const stored = await runInDurableObject(env.SESSIONS.get(id), async (_instance, state) => ({
      tables: state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'").toArray(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(stored).toEqual({ tables: [], alarm: null });
  });
});

describe("sessions: list", () => {
  it("paginates both ways with next_page and prev_page", async () => {
    const { client, agent, environment } = await sessionTenant();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, title: `s${i}` })).id);
    const newestFirst = [...ids].reverse();

    const walked: string[] = [];
    for await (const s of client.beta.sessions.list({ limit: 3 })) walked.push(s.id);
    expect(walked).toEqual(newestFirst);

    const p1 = await client.beta.sessions.list({ limit: 3 });
    expect(p1.data.map((s) => s.id)).toEqual(newestFirst.slice(0, 3));
    expect(p1.prev_page).toBeNull();
    const p2 = await client.beta.sessions.list({ limit: 3, page: p1.next_page! });
    expect(p2.data.map((s) => s.id)).toEqual(newestFirst.slice(3, 6));
    const p3 = await client.beta.sessions.list({ limit: 3, page: p2.next_page! });
    expect(p3.data.map((s) => s.id)).toEqual(newestFirst.slice(6));
    expect(p3.next_page).toBeNull();
    // And back.
    const back2 = await client.beta.sessions.list({ limit: 3, page: p3.prev_page! });
    expect(back2.data.map((s) => s.id)).toEqual(newestFirst.slice(3, 6));
    const back1 = await client.beta.sessions.list({ limit: 3, page: back2.prev_page! });
    expect(back1.data.map((s) => s.id)).toEqual(newestFirst.slice(0, 3));
    expect(back1.prev_page).toBeNull();
    expect(back1.next_page).toEqual(expect.any(String));

    const oldestFirst: string[] = [];
    for await (const s of client.beta.sessions.list({ limit: 2, order: "asc" })) oldestFirst.push(s.id);
    expect(oldestFirst).toEqual(ids);
  });

  it("filters by agent and version, status, creation time and memory store", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [lookupTool] });
    const other = await client.beta.agents.create({ name: "other", model: "claude-fake-1" });
    const store = await client.beta.memoryStores.create({ name: "m" });
    const otherStore = await client.beta.memoryStores.create({ name: "n" });
    const a1 = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.agents.update(agent.id, { version: 1, system: "v2" });
    const a2 = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      resources: [{ type: "memory_store", memory_store_id: store.id }],
      initial_events: [say('[[tool:lookup {"q":"x"}]]')],
    });
    const o1 = await client.beta.sessions.create({ agent: other.id, environment_id: environment.id });
    await waitForIdle(client, a2.id);

    const ids = async (query: Parameters<typeof client.beta.sessions.list>[0]) => {
      const out: string[] = [];
      for await (const s of client.beta.sessions.list(query)) out.push(s.id);
      return out.sort();
    };
    expect(await ids({ agent_id: agent.id })).toEqual([a1.id, a2.id].sort());
    expect(await ids({ agent_id: agent.id, agent_version: 2 })).toEqual([a2.id]);
    expect(await ids({ agent_id: other.id })).toEqual([o1.id]);
    expect(await ids({ memory_store_id: store.id })).toEqual([a2.id]);
    expect(await ids({ memory_store_id: otherStore.id })).toEqual([]);
    expect(await ids({ "created_at[gte]": a2.created_at })).toEqual([a2.id, o1.id].sort());
    expect(await ids({ "created_at[lt]": a2.created_at })).toEqual([a1.id]);
    expect(await ids({ deployment_id: "dep_1" })).toEqual([]);

    // Statuses come from the index the DO mirrors: a2 went running then idle (waiting on its tool call).
    expect(await ids({ statuses: ["idle"] })).toEqual([a1.id, a2.id, o1.id].sort());
    expect(await ids({ statuses: ["running", "rescheduling"] })).toEqual([]);
    await client.beta.sessions.events.send(o1.id, { events: [say("[[slow:150]] [[text:a b c d e f]]")] });
    expect(await ids({ statuses: ["running"] })).toEqual([o1.id]);
    expect(await ids({ statuses: ["running", "idle"] })).toEqual([a1.id, a2.id, o1.id].sort());
    await waitForIdle(client, o1.id);
    expect(await ids({ statuses: ["running"] })).toEqual([]);
    const mirrored = await client.beta.sessions.retrieve(o1.id);
    expect(mirrored.usage.output_tokens).toBeGreaterThan(0);
  });
});
