import { describe, expect, it } from "vitest";
import {
  allEvents,
  expectWellFormedLog,
  lookupTool,
  modelRequests,
  say,
  sessionTenant,
  types,
  waitForEvents,
  waitForIdle,
} from "./helpers/sessions";

describe("sessions: interrupts", () => {
  it("interrupts a model request mid-stream: span closed, idle end_turn, nothing half-written, usable again", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
    await client.beta.sessions.events.send(session.id, { events: [say(`[[slow:50]] [[text:${long}]]`)] });
    await waitForEvents(client, session.id, (e) => e.type === "span.model_request_start");
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("running");

    const sent = await client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] });
    expect(sent.data![0].type).toBe("user.interrupt");
    // The interrupt takes effect at once: the idle is already in the log when send returns.
    let events = await allEvents(client, session.id);
    expect(types(events)).toEqual([
      "user.message",
      "session.status_running",
      "span.model_request_start",
      "user.interrupt",
      "span.model_request_end",
      "session.usage",
      "session.status_idle",
    ]);
    expect(events[4]).toMatchObject({ model_request_start_id: events[2].id, is_error: false });
    expect(events[6]).toMatchObject({ stop_reason: { type: "end_turn" } });
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("idle");

    await client.beta.sessions.events.send(session.id, { events: [say("again")] });
    events = await waitForIdle(client, session.id, 2);
    // The aborted answer never lands, before or after the next turn.
    expect(events.filter((e) => e.type === "agent.message").map((e: any) => e.content[0].text)).toEqual(["Echo: again"]);
    expectWellFormedLog(events);
  });

  it("interrupts a turn waiting on a custom tool: the call is closed and a late result refused", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [lookupTool] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:lookup {"q":"x"}]]')] });
    const use = (await waitForIdle(client, session.id)).find((e) => e.type === "agent.custom_tool_use")!;
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] });
    const events = await allEvents(client, session.id);
    expect(types(events).slice(-4)).toEqual(["user.interrupt", "agent.tool_result", "session.usage", "session.status_idle"]);
    expect(events[events.length - 3]).toMatchObject({ tool_use_id: use.id, is_error: true });
    expect(events[events.length - 1]).toMatchObject({ stop_reason: { type: "end_turn" } });
    await expect(
      client.beta.sessions.events.send(session.id, { events: [{ type: "user.custom_tool_result", custom_tool_use_id: use.id }] }),
    ).rejects.toMatchObject({ status: 400, error: { error: { type: "invalid_request_error" } } });

    // The conversation stays valid for the model: the interrupted call has its (error) result.
    await client.beta.sessions.events.send(session.id, { events: [say("next")] });
    const done = await waitForIdle(client, session.id, 3);
    expect(done[done.length - 1]).toMatchObject({ stop_reason: { type: "end_turn" } });
  });

  it("accepts an interrupt on an idle session without changing anything else", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] });
    expect(types(await allEvents(client, session.id))).toEqual(["user.interrupt"]);
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("idle");
  });
});

describe("sessions: model errors", () => {
  it("retries an overloaded model with backoff (rescheduled), then succeeds", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[error:529 x2]] [[text:made it]]")] });
    const events = await waitForIdle(client, session.id);
    expect(types(events)).toEqual([
      "user.message",
      "session.status_running",
      "span.model_request_start",
      "span.model_request_end",
      "session.error",
      "session.status_rescheduled",
      "session.status_running",
      "span.model_request_start",
      "span.model_request_end",
      "session.error",
      "session.status_rescheduled",
      "session.status_running",
      "span.model_request_start",
      "agent.message",
      "span.model_request_end",
      "session.usage",
      "session.status_idle",
    ]);
    expect(events[3]).toMatchObject({ model_request_start_id: events[2].id, is_error: true });
    expect(events[4]).toMatchObject({
      type: "session.error",
      error: { type: "model_overloaded_error", retry_status: { type: "retrying" } },
    });
    expect((events[13] as any).content[0].text).toBe("made it");
    expect(events[16]).toMatchObject({ stop_reason: { type: "end_turn" } });
    expect(await modelRequests(session.id)).toHaveLength(3);
    expectWellFormedLog(events);
  });

  it("ends the turn with the typed error once retries are exhausted, and stays usable", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[error:429 always]]")] });
    const events = await waitForIdle(client, session.id, 1, 20_000);
    const errors = events.filter((e) => e.type === "session.error") as any[];
    // Five retries after the first attempt (the default), every one a rate limit.
    expect(errors).toHaveLength(6);
    expect(errors.slice(0, 5).every((e) => e.error.retry_status.type === "retrying")).toBe(true);
    expect(errors[5].error).toMatchObject({ type: "model_rate_limited_error", retry_status: { type: "exhausted" } });
    expect(events[events.length - 1]).toMatchObject({ stop_reason: { type: "retries_exhausted" } });
    expect(types(events).filter((t) => t === "session.status_rescheduled")).toHaveLength(5);
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("idle");

    await client.beta.sessions.events.send(session.id, { events: [say("better now")] });
    const next = await waitForIdle(client, session.id, 2);
    expect(next[next.length - 1]).toMatchObject({ stop_reason: { type: "end_turn" } });
  });

  it("does not retry a request the model rejects as invalid", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[error:400 always]]")] });
    const events = await waitForIdle(client, session.id);
    expect(types(events)).toEqual([
      "user.message",
      "session.status_running",
      "span.model_request_start",
      "span.model_request_end",
      "session.error",
      "session.usage",
      "session.status_idle",
    ]);
    expect(events[4]).toMatchObject({ error: { type: "model_request_failed_error", retry_status: { type: "exhausted" } } });
    expect(events[6]).toMatchObject({ stop_reason: { type: "retries_exhausted" } });
  });

  it("retries a stream cut mid-message and an error event inside the stream", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[cut x1]] [[text:one two three four five six seven]]")] });
    let events = await waitForIdle(client, session.id);
    expect(events.filter((e) => e.type === "session.error")).toMatchObject([
      { error: { type: "model_request_failed_error", retry_status: { type: "retrying" } } },
    ]);
    expect(events.filter((e) => e.type === "agent.message")).toHaveLength(1);

    await client.beta.sessions.events.send(session.id, { events: [say("[[stream_error:529 x1]] [[text:one two three four five six]]")] });
    events = await waitForIdle(client, session.id, 2);
    expect(events.filter((e) => e.type === "session.error").pop()).toMatchObject({
      error: { type: "model_overloaded_error", retry_status: { type: "retrying" } },
    });
    expect(events.filter((e) => e.type === "agent.message")).toHaveLength(2);
    expectWellFormedLog(events);
  });

  it("interrupts a session waiting to retry", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[error:500 always]]")] });
    await waitForEvents(client, session.id, (e) => e.type === "session.status_rescheduled");
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] });
    const events = await allEvents(client, session.id);
    expect(events[events.length - 1]).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    const settled = await client.beta.sessions.retrieve(session.id);
    expect(settled.status).toBe("idle");
    await client.beta.sessions.events.send(session.id, { events: [say("fine")] });
    const next = await waitForIdle(client, session.id, 2);
    expect(next[next.length - 1]).toMatchObject({ stop_reason: { type: "end_turn" } });
    // No retry of the interrupted turn ran after the interrupt.
    const interruptAt = next.findIndex((e) => e.type === "user.interrupt");
    expect(next.slice(interruptAt).filter((e) => e.type === "session.error")).toHaveLength(0);
  });
});
