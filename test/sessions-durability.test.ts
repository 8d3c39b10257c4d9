import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { crashSession as crash, sessionStub as stubOf } from "./helpers/crash";
import { allEvents, expectWellFormedLog, modelRequests, say, sessionTenant, types, waitForEvents, waitForIdle } from "./helpers/sessions";

describe("sessions: durability", () => {
  it("survives the Durable Object dying mid model call: the step is redone, nothing lost or duplicated", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, {
      events: [say("[[slow:80]] [[text:one two three four five six seven eight nine ten eleven twelve]]")],
    });
    const before = await waitForEvents(client, session.id, (e) => e.type === "span.model_request_start");
    expect(types(before)).toEqual(["user.message", "session.status_running", "span.model_request_start"]);

    // Kill the instance mid-stream.
    await crash(session.id);

    // Any request wakes the session; it picks the turn up where the log says it was.
    const events = await waitForIdle(client, session.id);
    expect(types(events)).toEqual([
      "user.message",
      "session.status_running",
      "span.model_request_start",
      "agent.message",
      "span.model_request_end",
      "session.usage",
      "session.status_idle",
    ]);
    expect(events.slice(0, 3)).toEqual(before);
    expect(events[4]).toMatchObject({ model_request_start_id: before[2].id, is_error: false });
    expectWellFormedLog(events);
    // The model was asked twice (the first answer died with the instance); only one answer was kept.
    expect((await modelRequests(session.id)).length).toBe(2);
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("idle");

    // And the session carries on normally.
    await client.beta.sessions.events.send(session.id, { events: [say("still here?")] });
    const later = await waitForIdle(client, session.id, 2);
    expect((later[later.length - 4] as any).content[0].text).toBe("Echo: still here?");
  });

  it("keeps acknowledged events across a restart while idle or waiting on a tool", async () => {
    const { client, agent, environment } = await sessionTenant({
      tools: [{ type: "custom", name: "lookup", description: "d", input_schema: { type: "object" } }],
    });
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      initial_events: [say("[[tool:lookup {}]]")],
    });
    const waiting = await waitForIdle(client, session.id);
    await crash(session.id);
    expect(await allEvents(client, session.id)).toEqual(waiting);
    const use = waiting.find((e) => e.type === "agent.custom_tool_use")!;
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.custom_tool_result", custom_tool_use_id: use.id }] });
    const done = await waitForIdle(client, session.id, 2);
    expect(done[done.length - 1]).toMatchObject({ stop_reason: { type: "end_turn" } });
    const state = await runInDurableObject(stubOf(session.id), (instance) => instance.inspect());
    expect(state?.turn).toMatchObject({ phase: "idle", pending: [], inflightStartId: null });
  });
});
