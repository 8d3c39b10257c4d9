import type { BetaManagedAgentsSessionEvent, BetaManagedAgentsStreamSessionEvents } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { describe, expect, it, vi } from "vitest";
import { collect } from "./helpers/assertions";
import { newTenant, worker } from "./helpers/client";
import { crashSession as crash } from "./helpers/crash";
import { allEvents, expectWellFormedLog, lookupTool, say, sessionTenant, types, waitForEvents, waitForIdle } from "./helpers/sessions";

type Event = BetaManagedAgentsSessionEvent;
type Snapshot = Extract<Event, { type: "session.usage" }>;

// Sonnet list prices, so the snapshot carries a list_cost.
const PRICED = "claude-sonnet-4-6";
const budget = { type: "limit" as const, max_list_cost: { amount: "1000", currency: "USD" as const } };

/** The token fields of every `span.model_request_end` before `index`, summed as the session books them. */
function summedSpans(events: Event[], index: number) {
  const sum = { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 } };
  for (const e of events.slice(0, index)) {
    if (e.type !== "span.model_request_end") continue;
    sum.input_tokens += e.model_usage.input_tokens;
    sum.output_tokens += e.model_usage.output_tokens;
    sum.cache_read_input_tokens += e.model_usage.cache_read_input_tokens;
    // The fake model reports cache writes without a lifetime breakdown: booked as 5-minute writes.
    sum.cache_creation.ephemeral_5m_input_tokens += e.model_usage.cache_creation_input_tokens;
  }
  return sum;
}

/** Asserts a snapshot sits right before every `session.status_idle` and nowhere else; returns them in order. */
function snapshotsBeforeIdles(events: Event[]): Array<{ snapshot: Snapshot; index: number }> {
  const idles = events.flatMap((e, i) => (e.type === "session.status_idle" ? [i] : []));
  const snapshots = events.flatMap((e, i) => (e.type === "session.usage" ? [i] : []));
  expect(snapshots).toEqual(idles.map((i) => i - 1));
  return snapshots.map((index) => ({ snapshot: events[index] as Snapshot, index }));
}

async function openWebSocket(apiKey: string, sessionId: string) {
  const res = await worker.fetch(`http://managed-agents.test/v1/sessions/${sessionId}/events/ws`, {
    headers: { upgrade: "websocket", "x-api-key": apiKey, "anthropic-beta": "managed-agents-2026-04-01" },
  });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const received: Event[] = [];
  ws.addEventListener("message", (m) => {
    received.push(JSON.parse(m.data as string));
  });
  ws.accept();
  return { ws, received };
}

async function readUntilIdles(stream: AsyncIterable<BetaManagedAgentsStreamSessionEvents>, idles: number) {
  const out: BetaManagedAgentsStreamSessionEvents[] = [];
  for await (const event of stream) {
    out.push(event);
    if (out.filter((e) => e.type === "session.status_idle").length >= idles) break;
  }
  return out;
}

describe("sessions: session.usage snapshots", () => {
  it("stores the cumulative usage right before every idle, equal to the summed model requests, on the list, SSE and WebSocket alike", async () => {
    const { client, apiKey, agent, environment } = await sessionTenant({ model: PRICED, tools: [lookupTool] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, budget });
    const sse = await client.beta.sessions.events.stream(session.id);
    const socket = await openWebSocket(apiKey, session.id);

    // Turn 1 pauses for the client (requires_action), then goes on with a second model request.
    await client.beta.sessions.events.send(session.id, {
      events: [say('[[usage:in=1000,out=100,cache_read=10,cache_write=20]][[tool:lookup {"q":"x"}]] [[next]] [[usage:in=7,out=3]][[text:found]]')],
    });
    const paused = await waitForIdle(client, session.id);
    const use = paused.find((e) => e.type === "agent.custom_tool_use")!;
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.custom_tool_result", custom_tool_use_id: use.id, content: [{ type: "text", text: "x" }] }] });
    await waitForIdle(client, session.id, 2);
    // Turn 2: one more request.
    await client.beta.sessions.events.send(session.id, { events: [say("[[usage:in=5,out=2]]again")] });
    const events = await waitForIdle(client, session.id, 3);
    expectWellFormedLog(events);

    const snapshots = snapshotsBeforeIdles(events);
    expect(snapshots).toHaveLength(3);
    for (const { snapshot, index } of snapshots) {
      const { list_cost, active_seconds, ...tokens } = snapshot.usage;
      expect(tokens).toEqual(summedSpans(events, index));
      expect(list_cost).toEqual({ amount: expect.stringMatching(/^[1-9]\d*$/), currency: "USD" });
      expect(active_seconds).toBeGreaterThanOrEqual(0);
      expect(snapshot.budget).toEqual(budget);
    }
    expect(snapshots[0].snapshot.usage).toMatchObject({ input_tokens: 1000, output_tokens: 100 });
    expect(snapshots[2].snapshot.usage).toMatchObject({ input_tokens: 1012, output_tokens: 105, cache_read_input_tokens: 10 });
    // The last snapshot reads as the session does once the turn is over.
    const retrieved = await client.beta.sessions.retrieve(session.id);
    const { active_seconds, ...lastTotals } = snapshots[2].snapshot.usage;
    expect(lastTotals).toEqual(retrieved.usage);
    expect(active_seconds).toBe(retrieved.stats.active_seconds);
    expect(active_seconds).toBeGreaterThan(0);

    // Stored, so listable by type; and live on both transports, identical to the log.
    expect(await allEvents(client, session.id, { types: ["session.usage"] })).toEqual(snapshots.map((s) => s.snapshot));
    expect(await readUntilIdles(sse, 3)).toEqual(events);
    await expect.poll(() => socket.received.length).toBe(events.length);
    expect(socket.received).toEqual(events);
    socket.ws.close(1000);
  });

  it("waits for the idle: none while the model answers, none for an interrupt that stops nothing", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[slow:40]] [[text:a b c d e f g h]]")] });
    const midTurn = await waitForEvents(client, session.id, (e) => e.type === "span.model_request_start");
    expect(types(midTurn)).not.toContain("session.usage");
    await waitForIdle(client, session.id);
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] });
    // Nothing was under way: the interrupt changes nothing, so no new idle and no new snapshot.
    expect(types(await allEvents(client, session.id)).filter((t) => t === "session.usage")).toHaveLength(1);
  });

  it("survives the Durable Object dying: a redone model request counts once, and the totals carry on", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, {
      events: [say("[[slow:80]] [[usage:in=50,out=7]] [[text:one two three four five six seven eight nine ten]]")],
    });
    await waitForEvents(client, session.id, (e) => e.type === "span.model_request_start");
    await crash(session.id);
    const first = await waitForIdle(client, session.id);
    const [{ snapshot }] = snapshotsBeforeIdles(first);
    expect(snapshot.usage).toMatchObject({ input_tokens: 50, output_tokens: 7 });
    expect(snapshot.budget).toBeNull();

    // A restart while idle keeps the stored snapshot as it was, and the next one adds to the same totals.
    await crash(session.id);
    expect(await allEvents(client, session.id)).toEqual(first);
    await client.beta.sessions.events.send(session.id, { events: [say("[[usage:in=1,out=2]]more")] });
    const events = await waitForIdle(client, session.id, 2);
    const later = snapshotsBeforeIdles(events);
    expect(later[1].snapshot.usage).toMatchObject({ input_tokens: 51, output_tokens: 9 });
    expect(later[1].snapshot.usage).toMatchObject(summedSpans(events, later[1].index));
  });

  it("counts every thread of a multiagent session once, on the session's idle only", async () => {
    const { client } = await newTenant();
    const workerAgent = await client.beta.agents.create({ name: "Worker", model: "claude-fake-1" });
    const lead = await client.beta.agents.create({ name: "Lead", model: "claude-fake-1", multiagent: { type: "coordinator", agents: [workerAgent.id] } });
    const environment = await client.beta.environments.create({ name: `env-${crypto.randomUUID()}` });
    const session = await client.beta.sessions.create({ agent: lead.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[spawn:Worker {{usage:in=300,out=30}}{{text:done}}]]")] });
    const { events, threads } = await vi.waitFor(
      async () => {
        const threads = await collect(client.beta.sessions.threads.list(session.id));
        expect(threads).toHaveLength(2);
        for (const thread of threads) expect(thread.status).toBe("idle");
        const events = await allEvents(client, session.id);
        expect(events.at(-1)!.type).toBe("session.status_idle");
        return { events, threads };
      },
      { timeout: 10_000, interval: 25 },
    );
    const [{ snapshot }] = snapshotsBeforeIdles(events);
    const [primary, child] = threads;
    expect(child.usage).toMatchObject({ input_tokens: 300, output_tokens: 30 });
    expect(snapshot.usage.input_tokens).toBe(primary.usage!.input_tokens! + child.usage!.input_tokens!);
    expect(snapshot.usage.output_tokens).toBe(primary.usage!.output_tokens! + child.usage!.output_tokens!);
    expect(snapshot.usage).toMatchObject((await client.beta.sessions.retrieve(session.id)).usage);
    // The child's own log has its status events, never a usage snapshot of its own.
    const own = await collect(client.beta.sessions.threads.events.list(child.id, { session_id: session.id }));
    expect(types(own)).toContain("session.thread_status_idle");
    expect(types(own)).not.toContain("session.usage");
  });
});
