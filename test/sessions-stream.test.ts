import type { BetaManagedAgentsStreamSessionEvents } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { accumulateManagedAgentsEvent } from "@anthropic-ai/sdk/lib/sessions/accumulate";
import { describe, expect, it } from "vitest";
import { worker } from "./helpers/client";
import { allEvents, say, sessionTenant, waitForEvents, waitForIdle } from "./helpers/sessions";

type StreamEvent = BetaManagedAgentsStreamSessionEvents;

/** Reads a stream until `until` matches (inclusive), then stops reading (which closes the connection). */
async function readUntil(stream: AsyncIterable<StreamEvent>, until: (e: StreamEvent) => boolean, max = 500) {
  const out: StreamEvent[] = [];
  for await (const event of stream) {
    out.push(event);
    if (until(event) || out.length >= max) break;
  }
  return out;
}

const isTurnEnd = (e: StreamEvent) => e.type === "session.status_idle";

describe("session events: SSE stream", () => {
  it("delivers every event of a turn live, identical to the log", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const stream = await client.beta.sessions.events.stream(session.id);
    await client.beta.sessions.events.send(session.id, { events: [say("stream me [[thinking]]")] });
    const received = await readUntil(stream, isTurnEnd);
    expect(received).toEqual(await allEvents(client, session.id));
    expect(received.map((e) => e.type)).toContain("agent.message");
  });

  it("fans out to many clients at once, each seeing the same sequence", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const streams = await Promise.all([1, 2, 3].map(() => client.beta.sessions.events.stream(session.id)));
    await client.beta.sessions.events.send(session.id, { events: [say("everyone [[slow:5]]")] });
    const seen = await Promise.all(streams.map((s) => readUntil(s, isTurnEnd)));
    const log = await allEvents(client, session.id);
    for (const events of seen) expect(events).toEqual(log);
  });

  it("resumes with Last-Event-ID mid-turn: no gap, no duplicate", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const first = await client.beta.sessions.events.stream(session.id);
    await client.beta.sessions.events.send(session.id, {
      events: [say("[[slow:30]] [[text:one two three four five six seven eight nine ten eleven twelve]]")],
    });
    // Drop the connection after the third event, while the model is still streaming.
    const head = await readUntil(first, () => false, 3);
    const lastSeen = head[head.length - 1] as { id: string };
    const resumed = await client.beta.sessions.events.stream(session.id, {}, { headers: { "Last-Event-ID": lastSeen.id } });
    const tail = await readUntil(resumed, isTurnEnd);
    const log = await allEvents(client, session.id);
    expect([...head, ...tail]).toEqual(log);

    // Resuming after the end replays from that point even though nothing new happens live.
    const replay = await client.beta.sessions.events.stream(session.id, {}, { headers: { "Last-Event-ID": log[1].id } });
    expect(await readUntil(replay, isTurnEnd)).toEqual(log.slice(2));
  });

  it("refuses a Last-Event-ID the session never produced", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await expect(
      client.beta.sessions.events.stream(session.id, {}, { headers: { "Last-Event-ID": "sevt_unknown" } }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it("previews agent.message as event_start + event_deltas only for connections that ask", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const withDeltas = await client.beta.sessions.events.stream(session.id, { event_deltas: ["agent.message", "agent.thinking"] });
    const plain = await client.beta.sessions.events.stream(session.id);
    await client.beta.sessions.events.send(session.id, {
      events: [say("[[thinking]] [[text:The quick brown fox jumps over the lazy dog again and again]]")],
    });
    const [previewed, buffered] = await Promise.all([readUntil(withDeltas, isTurnEnd), readUntil(plain, isTurnEnd)]);
    expect(buffered.some((e) => e.type === "event_start" || e.type === "event_delta")).toBe(false);

    const message = buffered.find((e) => e.type === "agent.message") as any;
    const thinking = buffered.find((e) => e.type === "agent.thinking") as any;
    const starts = previewed.filter((e) => e.type === "event_start") as any[];
    expect(starts.map((s) => s.event)).toEqual([
      { id: thinking.id, type: "agent.thinking" },
      { id: message.id, type: "agent.message" },
    ]);
    const deltas = previewed.filter((e) => e.type === "event_delta") as any[];
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.every((d) => d.event_id === message.id)).toBe(true);

    // The SDK's own accumulator rebuilds the message from the preview, then the buffered event settles it.
    let snapshot: any;
    for (const event of previewed) {
      if (event.type === "agent.message") break;
      snapshot = accumulateManagedAgentsEvent(snapshot, event);
    }
    expect(snapshot.content).toEqual(message.content);
    // Previews are not history.
    const stored = previewed.filter((e) => e.type !== "event_start" && e.type !== "event_delta");
    expect(stored).toEqual(await allEvents(client, session.id));
  });

  it("ends open streams with session.status_terminated, then session.deleted, when the session is deleted", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const stream = await client.beta.sessions.events.stream(session.id);
    await client.beta.sessions.delete(session.id);
    const events: StreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual(["session.status_terminated", "session.deleted"]);
  });
});

describe("session events: WebSocket stream", () => {
  async function connect(apiKey: string, sessionId: string, afterId?: string) {
    const query = afterId ? `?after_id=${afterId}` : "";
    const res = await worker.fetch(`http://managed-agents.test/v1/sessions/${sessionId}/events/ws${query}`, {
      headers: { upgrade: "websocket", "x-api-key": apiKey, "anthropic-beta": "managed-agents-2026-04-01" },
    });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const received: any[] = [];
    const other: string[] = [];
    ws.addEventListener("message", (m) => {
      const data = m.data as string;
      if (data.startsWith("{")) received.push(JSON.parse(data));
      else other.push(data);
    });
    ws.accept();
    return { ws, received, other };
  }

  it("streams live, resumes with after_id without gap or duplicate, and answers ping", async () => {
    const { client, apiKey, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const first = await connect(apiKey, session.id);
    await client.beta.sessions.events.send(session.id, {
      events: [say("[[slow:30]] [[text:alpha beta gamma delta epsilon zeta eta theta iota kappa]]")],
    });
    await waitForEvents(client, session.id, (e) => e.type === "span.model_request_start");
    await expect.poll(() => first.received.length).toBeGreaterThanOrEqual(3);
    first.ws.close(1000, "bye");
    const seen = [...first.received];

    const second = await connect(apiKey, session.id, seen[seen.length - 1].id);
    const log = await waitForIdle(client, session.id);
    await expect.poll(() => second.received.length, { timeout: 5000 }).toBe(log.length - seen.length);
    expect([...seen, ...second.received]).toEqual(log);

    second.ws.send("ping");
    await expect.poll(() => second.other).toEqual(["pong"]);
    second.ws.close(1000);
  });

  it("requires the upgrade header and the workspace's key", async () => {
    const { client, apiKey, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const plain = await worker.fetch(`http://managed-agents.test/v1/sessions/${session.id}/events/ws`, {
      headers: { "x-api-key": apiKey, "anthropic-beta": "managed-agents-2026-04-01" },
    });
    expect(plain.status).toBe(400);
    const stranger = await sessionTenant();
    const other = await worker.fetch(`http://managed-agents.test/v1/sessions/${session.id}/events/ws`, {
      headers: { upgrade: "websocket", "x-api-key": stranger.apiKey, "anthropic-beta": "managed-agents-2026-04-01" },
    });
    expect(other.status).toBe(404);
  });
});
