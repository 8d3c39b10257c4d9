import { describe, expect, it, vi } from "vitest";
import { ADMIN_TOKEN, admin, newTenant, raw, worker } from "./helpers/client";
import { expectRejected, lookupTool, say, sessionTenant, waitForIdle } from "./helpers/sessions";
import { TEST_DEFAULT_LIMITS } from "./helpers/test-limits.mjs";
import { DEFAULT_LIMITS } from "../src/limits/workspace-limits";

const setLimits = (workspaceId: string, limits: Record<string, number | null>) => admin(`/workspaces/${workspaceId}/limits`, limits);

describe("workspace limits: the operator's view", () => {
  it("shows the limits in force, the overrides, the defaults and the usage, and sets and resets them", async () => {
    const { workspaceId } = await newTenant();
    const initial = await admin(`/workspaces/${workspaceId}/limits`);
    const defaults = { ...DEFAULT_LIMITS, ...JSON.parse(TEST_DEFAULT_LIMITS) };
    expect(initial).toMatchObject({ type: "workspace_limits", workspace_id: workspaceId, limits: defaults, overrides: {}, defaults, updated_at: null });
    expect(initial.usage).toMatchObject({ sessions: 0, active_sessions: 0, write_bytes_today: 0, model_tokens_today: 0 });

    const set = await setLimits(workspaceId, { max_sessions: 7, requests_per_minute: 500 });
    expect(set.limits).toMatchObject({ max_sessions: 7, requests_per_minute: 500, max_active_sessions: defaults.max_active_sessions });
    expect(set.overrides).toEqual({ max_sessions: 7, requests_per_minute: 500 });
    const reset = await setLimits(workspaceId, { max_sessions: null });
    expect(reset.overrides).toEqual({ requests_per_minute: 500 });
    expect(reset.limits.max_sessions).toBe(defaults.max_sessions);
  });

  it("refuses bad limits and unknown workspaces, and needs the admin token", async () => {
    const { workspaceId } = await newTenant();
    const post = (path: string, body: unknown, token = ADMIN_TOKEN) =>
      worker.fetch(`http://managed-agents.test/admin${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    for (const body of [{ max_sessions: -1 }, { max_sessions: 1.5 }, { max_sessions: "10" }, { unknown_limit: 1 }]) {
      const res = await post(`/workspaces/${workspaceId}/limits`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    }
    expect((await post("/workspaces/wrkspc_nope/limits", { max_sessions: 1 })).status).toBe(404);
    expect((await post(`/workspaces/${workspaceId}/limits`, { max_sessions: 1 }, "wrong")).status).toBe(401);
    expect((await admin(`/workspaces/${workspaceId}/limits`)).overrides).toEqual({});
  });
});

describe("workspace limits: enforcement", () => {
  it("rate-limits API requests per workspace with 429 rate_limit_error, retry-after, and no effect on other workspaces", async () => {
    const limited = await newTenant();
    const other = await newTenant();
    await setLimits(limited.workspaceId, { requests_per_minute: 3 });
    for (let i = 0; i < 3; i++) await limited.client.beta.agents.list();
    const err = await expectRejected(limited.client.beta.agents.list(), 429, "rate_limit_error", /requests_per_minute: 3/);
    expect(Number(err.headers?.get("retry-after"))).toBeGreaterThan(0);
    await other.client.beta.agents.list();
    // A refused write changes nothing.
    await expectRejected(limited.client.beta.agents.create({ name: "a", model: "claude-fake-1" }), 429, "rate_limit_error");
    await setLimits(limited.workspaceId, { requests_per_minute: null });
    expect((await limited.client.beta.agents.list()).data).toEqual([]);
  });

  it("caps the bytes a workspace writes per day (what can land in D1 and R2)", async () => {
    const { workspaceId, client } = await newTenant();
    await setLimits(workspaceId, { write_bytes_per_day: 30_000 });
    const system = "s".repeat(20_000);
    await client.beta.agents.create({ name: "first", model: "claude-fake-1", system });
    await expectRejected(
      client.beta.agents.create({ name: "second", model: "claude-fake-1", system }),
      429,
      "rate_limit_error",
      /write_bytes_per_day: 30000/,
    );
    expect((await client.beta.agents.list()).data.map((a) => a.name)).toEqual(["first"]);
    // Reads are not writes; a chunked body (no content-length) is counted as it is read.
    await client.beta.agents.list();
    const body = JSON.stringify({ name: "chunky", model: "claude-fake-1" });
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body));
        controller.close();
      },
    });
    await setLimits(workspaceId, { write_bytes_per_day: 1_000_000 });
    const before = (await admin(`/workspaces/${workspaceId}/limits`)).usage.write_bytes_today;
    const apiKey = (client as unknown as { apiKey: string }).apiKey;
    const res = await raw("/v1/agents", { method: "POST", apiKey, body: chunked, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(200);
    await vi.waitFor(async () => expect((await admin(`/workspaces/${workspaceId}/limits`)).usage.write_bytes_today).toBe(before + body.length));
  });

  it("caps stored and active sessions; archiving frees an active place, deleting a stored one", async () => {
    const { workspaceId, client, agent, environment } = await sessionTenant();
    await setLimits(workspaceId, { max_active_sessions: 1, max_sessions: 2 });
    const create = () => client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const first = await create();
    await expectRejected(create(), 429, "rate_limit_error", /max_active_sessions: 1/);
    await client.beta.sessions.archive(first.id);
    const second = await create();
    await client.beta.sessions.archive(second.id);
    await expectRejected(create(), 429, "rate_limit_error", /max_sessions: 2/);
    expect((await admin(`/workspaces/${workspaceId}/limits`)).usage).toMatchObject({ sessions: 2, active_sessions: 0 });
    await client.beta.sessions.delete(first.id);
    await create();
  });

  it("caps the events one session holds: no new turn past max_events_per_session (400), tool results still land", async () => {
    const { workspaceId, client, agent, environment } = await sessionTenant({ tools: [lookupTool] });
    await setLimits(workspaceId, { max_events_per_session: 3 });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:lookup {"q":"x"}]]')] });
    const events = await waitForIdle(client, session.id);
    expect(events.length).toBeGreaterThan(3);
    // The turn in flight finishes: its tool result is not a new turn.
    const use = events.find((e) => e.type === "agent.custom_tool_use")!;
    await client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.custom_tool_result", custom_tool_use_id: use.id, content: [{ type: "text", text: "found" }] }],
    });
    await waitForIdle(client, session.id, 2);
    await expectRejected(
      client.beta.sessions.events.send(session.id, { events: [say("again")] }),
      400,
      "invalid_request_error",
      /max_events_per_session: 3/,
    );
  });

  it("counts the model tokens sessions use and refuses new turns past model_tokens_per_day", async () => {
    const { workspaceId, client, agent, environment } = await sessionTenant();
    await setLimits(workspaceId, { model_tokens_per_day: 1 });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("hello")] });
    await waitForIdle(client, session.id);
    const used = await vi.waitFor(async () => {
      const { usage } = await admin(`/workspaces/${workspaceId}/limits`);
      expect(usage.model_tokens_today).toBeGreaterThan(0);
      return usage.model_tokens_today;
    });
    const retrieved = await client.beta.sessions.retrieve(session.id);
    expect(used).toBe(retrieved.usage.input_tokens! + retrieved.usage.output_tokens! + (retrieved.usage.cache_read_input_tokens ?? 0));
    // A Worker isolate checks the count its lease carried: at most a lease (5 s) old.
    await vi.waitFor(
      () => expectRejected(client.beta.sessions.events.send(session.id, { events: [say("again")] }), 429, "rate_limit_error", /model_tokens_per_day: 1/),
      { timeout: 15_000, interval: 1_000 },
    );
    await expectRejected(
      client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, initial_events: [say("hi")] } as never),
      429,
      "rate_limit_error",
      /model_tokens_per_day/,
    );
    // Raising the limit lets turns start again at once.
    await setLimits(workspaceId, { model_tokens_per_day: null });
    await client.beta.sessions.events.send(session.id, { events: [say("again")] });
  });
});
