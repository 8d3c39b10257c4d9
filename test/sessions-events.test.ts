import { describe, expect, it } from "vitest";
import { raw } from "./helpers/client";
import { allEvents, expectWellFormedLog, lookupTool, say, sessionTenant, types, waitForIdle, expectRejected } from "./helpers/sessions";


describe("session events: rejected events write nothing", () => {
  it("refuses results and confirmations nobody asked for, messages while blocked, and half-valid batches", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [lookupTool] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const send = (events: any[]) => client.beta.sessions.events.send(session.id, { events });

    await expectRejected(send([{ type: "user.custom_tool_result", custom_tool_use_id: "sevt_nope", content: [] }]), 400, "invalid_request_error", /custom_tool_use_id/);
    await expectRejected(send([{ type: "user.tool_result", tool_use_id: "sevt_nope" }]), 400, "invalid_request_error", /tool_use_id/);
    await expectRejected(send([{ type: "user.tool_confirmation", tool_use_id: "sevt_nope", result: "allow" }]), 400, "invalid_request_error", /confirmation/);
    expect(await allEvents(client, session.id)).toEqual([]);

    await send([say('[[tool:lookup {"q":"x"}]]')]);
    const before = await waitForIdle(client, session.id);
    const use = before.find((e) => e.type === "agent.custom_tool_use")!;
    // A custom tool use answered with the wrong event type, a confirmation for a call that needs none.
    await expectRejected(send([{ type: "user.tool_result", tool_use_id: use.id }]), 400, "invalid_request_error", /custom tool/);
    await expectRejected(send([{ type: "user.tool_confirmation", tool_use_id: use.id, result: "allow" }]), 400, "invalid_request_error");
    // A new message while the session waits for the result.
    await expectRejected(send([say("hello?")]), 400, "invalid_request_error", new RegExp(use.id));
    // All or nothing: the valid result in front of an invalid event is not kept either.
    await expectRejected(
      send([
        { type: "user.custom_tool_result", custom_tool_use_id: use.id, content: [{ type: "text", text: "r" }] },
        { type: "user.custom_tool_result", custom_tool_use_id: use.id, content: [{ type: "text", text: "again" }] },
      ]),
      400,
      "invalid_request_error",
    );
    expect(await allEvents(client, session.id)).toEqual(before);
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("idle");

    // Answered once, it cannot be answered again.
    await send([{ type: "user.custom_tool_result", custom_tool_use_id: use.id, content: [{ type: "text", text: "r" }] }]);
    await waitForIdle(client, session.id, 2);
    await expectRejected(send([{ type: "user.custom_tool_result", custom_tool_use_id: use.id }]), 400, "invalid_request_error");
  });

  it("validates event shapes, naming the field", async () => {
    const { client, apiKey, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const post = (body: unknown) =>
      raw(`/v1/sessions/${session.id}/events`, { apiKey, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    for (const [body, field] of [
      [{ events: [{ type: "user.message" }] }, "events.0.content"],
      [{ events: [{ type: "user.message", content: [] }] }, "events.0.content"],
      [{ events: [{ type: "user.message", content: [{ type: "text" }] }] }, "events.0.content.0.text"],
      [{ events: [{ type: "user.tool_confirmation", tool_use_id: "x", result: "maybe" }] }, "events.0.result"],
      [{ events: [{ type: "agent.message", content: [] }] }, "events.0.type"],
      [{ events: [] }, "events"],
      [{ events: [say("hi")], extra: true }, "extra"],
    ] as const) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = (await res.json<any>()).error;
      expect(error.type).toBe("invalid_request_error");
      expect(error.message).toContain(field);
    }
    await expectRejected(
      client.beta.sessions.events.send(session.id, {
        events: [{ type: "user.define_outcome", description: "d", rubric: { type: "text", content: "r" }, max_iterations: 0 }],
      }),
      400,
      "invalid_request_error",
      /max_iterations/,
    );
    expect(await allEvents(client, session.id)).toEqual([]);
  });

  it("refuses events to an archived session; the history stays readable", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, initial_events: [say("hi")] });
    const history = await waitForIdle(client, session.id);
    const archived = await client.beta.sessions.archive(session.id);
    expect(archived.archived_at).not.toBeNull();
    await expectRejected(client.beta.sessions.events.send(session.id, { events: [say("still there?")] }), 400, "invalid_request_error", /archived/);
    await expectRejected(client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] }), 400, "invalid_request_error");
    // Archiving terminated the session: that is the only event it added.
    const after = await allEvents(client, session.id);
    expect(after.slice(0, -1)).toEqual(history);
    expect(after.at(-1)?.type).toBe("session.status_terminated");
  });
});

describe("session events: list", () => {
  it("pages through a long session with for-await, in both orders, with type and time filters", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    for (let i = 0; i < 8; i++) {
      await client.beta.sessions.events.send(session.id, { events: [say(`message ${i}`)] });
      await waitForIdle(client, session.id, i + 1);
    }
    const everything = await allEvents(client, session.id);
    // Per turn: user.message, status_running, model span start, agent.message, span end, session.usage, status_idle.
    expect(everything).toHaveLength(8 * 7);
    expectWellFormedLog(everything);

    // Small pages: the SDK follows next_page until the end; nothing skipped, nothing repeated.
    const paged = await allEvents(client, session.id, { limit: 5 });
    expect(paged.map((e) => e.id)).toEqual(everything.map((e) => e.id));
    const first = await client.beta.sessions.events.list(session.id, { limit: 5 });
    expect(first.data).toHaveLength(5);
    expect(first.next_page).toEqual(expect.any(String));

    const newestFirst = await allEvents(client, session.id, { limit: 7, order: "desc" });
    expect(newestFirst.map((e) => e.id)).toEqual(everything.map((e) => e.id).reverse());

    const messages = await allEvents(client, session.id, { limit: 3, types: ["user.message", "agent.message"] });
    expect(types(messages)).toEqual(Array.from({ length: 8 }, () => ["user.message", "agent.message"]).flat());
    const idles = await allEvents(client, session.id, { types: ["session.status_idle"] });
    expect(idles).toHaveLength(8);
    // Each turn's usage snapshot is listable by type, cumulative: the last one holds every turn's tokens.
    const snapshots = (await allEvents(client, session.id, { types: ["session.usage"] })) as any[];
    expect(snapshots).toHaveLength(8);
    expect(snapshots.at(-1).usage.output_tokens).toBe((await client.beta.sessions.retrieve(session.id)).usage.output_tokens);

    const pivot = everything[20];
    const gte = await allEvents(client, session.id, { "created_at[gte]": pivot.processed_at!, limit: 4 });
    expect(gte.map((e) => e.id)).toEqual(everything.slice(20).map((e) => e.id));
    const gt = await allEvents(client, session.id, { "created_at[gt]": pivot.processed_at! });
    expect(gt.map((e) => e.id)).toEqual(everything.slice(21).map((e) => e.id));
    const lt = await allEvents(client, session.id, { "created_at[lt]": pivot.processed_at! });
    expect(lt.map((e) => e.id)).toEqual(everything.slice(0, 20).map((e) => e.id));
    const lte = await allEvents(client, session.id, { "created_at[lte]": pivot.processed_at!, order: "desc" });
    expect(lte.map((e) => e.id)).toEqual(everything.slice(0, 21).map((e) => e.id).reverse());
  });

  it("rejects a forged page cursor and bad limits", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await expectRejected(client.beta.sessions.events.list(session.id, { page: "bm9wZQ" }), 400, "invalid_request_error", /page/);
    await expectRejected(client.beta.sessions.events.list(session.id, { limit: 0 }), 400, "invalid_request_error", /limit/);
    await expectRejected(client.beta.sessions.events.list(session.id, { limit: 1001 }), 400, "invalid_request_error", /limit/);
  });
});

describe("session events: tenant isolation", () => {
  it("hides another workspace's session and its events (404, never 403)", async () => {
    const owner = await sessionTenant();
    const stranger = await sessionTenant();
    const session = await owner.client.beta.sessions.create({
      agent: owner.agent.id,
      environment_id: owner.environment.id,
      initial_events: [say("secret")],
    });
    await waitForIdle(owner.client, session.id);
    const c = stranger.client.beta.sessions;
    await expectRejected(c.retrieve(session.id), 404, "not_found_error");
    await expectRejected(c.events.list(session.id), 404, "not_found_error");
    await expectRejected(c.events.send(session.id, { events: [say("hi")] }), 404, "not_found_error");
    await expectRejected(c.events.stream(session.id), 404, "not_found_error");
    await expectRejected(c.update(session.id, { title: "mine" }), 404, "not_found_error");
    await expectRejected(c.archive(session.id), 404, "not_found_error");
    await expectRejected(c.delete(session.id), 404, "not_found_error");
    expect((await c.list()).data).toEqual([]);
    // A session cannot be created on another workspace's agent or environment either.
    await expectRejected(c.create({ agent: owner.agent.id, environment_id: stranger.environment.id }), 404, "not_found_error");
    await expectRejected(c.create({ agent: stranger.agent.id, environment_id: owner.environment.id }), 404, "not_found_error");
    // The owner still has it all.
    expect(types(await allEvents(owner.client, session.id))).toContain("agent.message");
    expect((await owner.client.beta.sessions.retrieve(session.id)).title).toBeNull();
  });
});
