import { afterEach, describe, expect, it, vi } from "vitest";
import { expectApiError } from "./helpers/assertions";
import { worker } from "./helpers/client";
import { allEvents, modelRequests, say, selfHosted, sessionTenant, waitForIdle } from "./helpers/sessions";

afterEach(() => {
  vi.restoreAllMocks();
});

const MiB = 1024 * 1024;
const headers = (apiKey: string) => ({ "x-api-key": apiKey, "anthropic-beta": "managed-agents-2026-04-01" });

/** Reads an SSE response until `count` frames of `type` have arrived. */
async function readUntil(res: Response, type: string, count: number): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  let seen = 0;
  while (seen < count) {
    const { value, done } = await reader.read();
    if (done) break;
    const chunk = decoder.decode(value, { stream: true });
    chunks.push(chunk);
    seen += chunk.split(`event: ${type}\n`).length - 1;
  }
  await reader.cancel();
  return chunks.join("");
}

describe("events larger than one SQLite row", () => {
  it("stores a 2.5 MiB user.message and gives it back whole to list, SSE and WebSocket backlogs and the model", async () => {
    const { client, apiKey, agent, environment } = await sessionTenant({}, selfHosted);
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[text:small first]]")] });
    const [first] = await waitForIdle(client, session.id);
    // Non-ASCII and astral characters too: parts must not split a character.
    const big = `${"abcdefgh é 🙂 ".repeat((2.5 * MiB) / 16)}[[text:got it]]`;
    const sent = await client.beta.sessions.events.send(session.id, { events: [say(big)] });
    const sentId = sent.data![0].id;
    const events = await waitForIdle(client, session.id, 2, 30_000);
    const stored = events.find((e) => e.id === sentId) as any;
    expect(stored.content[0].text).toBe(big);
    expect((events.findLast((e) => e.type === "agent.message") as any).content[0].text).toBe("got it");

    const lastRequest = (await modelRequests(session.id)).at(-1);
    expect(JSON.stringify(lastRequest.messages)).toContain(JSON.stringify(big).slice(1, -1));

    const sse = await worker.fetch(`http://managed-agents.test/v1/sessions/${session.id}/events/stream?after_id=${first.id}`, { headers: headers(apiKey) });
    // The backlog holds both turns' ends: read through the second.
    const text = await readUntil(sse, "session.status_idle", 2);
    const frame = text.split("\n").find((line) => line.startsWith("data: ") && line.includes(sentId))!;
    expect(JSON.parse(frame.slice(6)).content[0].text).toBe(big);

    const res = await worker.fetch(`http://managed-agents.test/v1/sessions/${session.id}/events/ws?after_id=${first.id}`, {
      headers: { upgrade: "websocket", ...headers(apiKey) },
    });
    const ws = res.webSocket!;
    const received: any[] = [];
    ws.addEventListener("message", (m) => received.push(JSON.parse(m.data as string)));
    ws.accept();
    await expect.poll(() => received.some((e) => e.id === sentId), { timeout: 10_000 }).toBe(true);
    expect(received.find((e) => e.id === sentId).content[0].text).toBe(big);
    ws.close(1000);
  });

  it("refuses an event over 8 MiB with a 413 that names the limit, and stores nothing", async () => {
    const { client, agent, environment } = await sessionTenant({}, selfHosted);
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const before = await allEvents(client, session.id);
    const err = await expectApiError(client.beta.sessions.events.send(session.id, { events: [say("x".repeat(9 * MiB))] }), 413, "request_too_large");
    expect(err.error.error.message).toMatch(/^events\.0: this event is \d+ bytes of JSON; an event may be at most 8388608 bytes \(8 MiB\)/);
    expect(await allEvents(client, session.id)).toEqual(before);
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("idle");
  });

  it("a 3 MiB PDF from web_fetch becomes a document result and the turn ends (the session never stays running)", async () => {
    const pdf = new Uint8Array(3 * MiB).map((_, i) => (i * 31) % 256);
    const original = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input as RequestInfo, init);
      if (new URL(req.url).hostname !== "docs.example.test") return original(input as RequestInfo, init);
      return new Response(pdf, { headers: { "content-type": "application/pdf" } });
    });
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] }, selfHosted);
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, {
      events: [say('[[tool:web_fetch {"url":"https://docs.example.test/big.pdf"}]][[next]][[text:read it]]')],
    });
    const events = await waitForIdle(client, session.id, 1, 30_000);
    const result = events.find((e) => e.type === "agent.tool_result") as any;
    expect(result).toMatchObject({ is_error: false, content: [{ type: "document", source: { type: "base64", media_type: "application/pdf" } }] });
    expect(result.content[0].source.data.length).toBe(Math.ceil((3 * MiB) / 3) * 4);
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("idle");
  });

  it("takes a 3 MiB tool result from a self-hosted worker", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] }, selfHosted);
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:bash {"command":"cat big"}]][[next]][[text:fine]]')] });
    const use = (await vi.waitFor(async () => {
      const found = (await allEvents(client, session.id)).find((e) => e.type === "agent.tool_use");
      expect(found).toBeDefined();
      return found;
    })) as any;
    const output = "y".repeat(3 * MiB);
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.tool_result", tool_use_id: use.id, content: [{ type: "text", text: output }] }] });
    const events = await waitForIdle(client, session.id, 1, 30_000);
    expect((events.find((e) => e.type === "user.tool_result") as any).content[0].text).toBe(output);
    expect((events.findLast((e) => e.type === "agent.message") as any).content[0].text).toBe("fine");
  });
});
