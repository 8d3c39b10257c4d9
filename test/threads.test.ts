import type Anthropic from "@anthropic-ai/sdk";
import type { BetaManagedAgentsSessionEvent } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import type { BetaManagedAgentsStreamSessionThreadEvents } from "@anthropic-ai/sdk/resources/beta/sessions/threads";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { SessionDurableObject } from "../durable-objects/session/session-durable-object";
import { collect } from "./helpers/assertions";
import { newTenant } from "./helpers/client";
import { allEvents, expectRejected, expectWellFormedLog, lookupTool, modelRequests, say, types, waitForEvents } from "./helpers/sessions";

type Event = BetaManagedAgentsSessionEvent;
type ThreadEvent = BetaManagedAgentsStreamSessionThreadEvents;

/** A tenant whose "Lead" agent may spawn threads of "Worker" (and of itself), with a session of Lead. */
async function multiagentSession(worker: Record<string, unknown> = {}) {
  const tenant = await newTenant();
  const { client } = tenant;
  const workerAgent = await client.beta.agents.create({
    name: "Worker",
    description: "Does one well-scoped job and reports back.",
    model: "claude-fake-1",
    ...worker,
  });
  const lead = await client.beta.agents.create({
    name: "Lead",
    model: "claude-fake-1",
    multiagent: { type: "coordinator", agents: [workerAgent.id, { type: "self" }] },
  });
  const environment = await client.beta.environments.create({ name: `env-${crypto.randomUUID()}` });
  const session = await client.beta.sessions.create({ agent: lead.id, environment_id: environment.id });
  return { ...tenant, worker: workerAgent, lead, environment, session };
}

const threadsOf = (client: Anthropic, sessionId: string) => collect(client.beta.sessions.threads.list(sessionId));
const threadEvents = (client: Anthropic, sessionId: string, threadId: string) =>
  collect(client.beta.sessions.threads.events.list(threadId, { session_id: sessionId }));

/** Waits until the session is idle with every thread idle too (the session's status derives from its threads). */
async function settled(client: Anthropic, sessionId: string, timeout = 10_000) {
  return vi.waitFor(
    async () => {
      const session = await client.beta.sessions.retrieve(sessionId);
      expect(session.status).toBe("idle");
      const threads = await threadsOf(client, sessionId);
      for (const thread of threads) expect(["idle", "terminated"]).toContain(thread.status);
      const events = await allEvents(client, sessionId);
      expect(events[events.length - 1].type).toBe("session.status_idle");
      return { session, threads, events };
    },
    { timeout, interval: 25 },
  );
}

/** A child thread's log for one task answered in one model call: received, ran, reported. */
const CHILD_TURN = [
  "agent.thread_message_received",
  "session.thread_status_running",
  "span.model_request_start",
  "agent.message",
  "span.model_request_end",
  "session.thread_status_idle",
  "agent.thread_message_sent",
];

const stubOf = (sessionId: string) => env.SESSIONS.get(env.SESSIONS.idFromName(sessionId)) as DurableObjectStub<SessionDurableObject>;

describe("threads: spawning and messaging", () => {
  it("copies the resolved roster to the session, and lists the primary thread alone before any spawn", async () => {
    const { client, session, worker, lead } = await multiagentSession();
    expect(session.agent.multiagent).toMatchObject({
      type: "coordinator",
      agents: [
        { type: "agent", id: worker.id, version: 1, name: "Worker", description: "Does one well-scoped job and reports back.", model: { id: "claude-fake-1" } },
        { type: "agent", id: lead.id, version: 1, name: "Lead" },
      ],
    });
    const threads = await threadsOf(client, session.id);
    expect(threads).toEqual([
      expect.objectContaining({ type: "session_thread", session_id: session.id, parent_thread_id: null, status: "idle", archived_at: null, workflow_run_id: null }),
    ]);
    expect(threads[0].id).toMatch(/^sthr_/);
    expect(threads[0].agent).toMatchObject({ type: "agent", id: lead.id, name: "Lead" });
    expect(threads[0].agent).not.toHaveProperty("multiagent");
  });

  it("spawns a thread that runs its own conversation and reports back to the coordinator", async () => {
    const { client, session } = await multiagentSession();
    await client.beta.sessions.events.send(session.id, { events: [say("[[spawn:Worker {{text:found 3 files}}]]")] });
    const { events, threads } = await settled(client, session.id);
    expectWellFormedLog(events);

    expect(threads).toHaveLength(2);
    const [primary, child] = threads;
    expect(child).toMatchObject({ parent_thread_id: primary.id, status: "idle", agent: { type: "agent", name: "Worker" } });
    expect(child.usage?.input_tokens).toBeGreaterThan(0);
    expect(child.stats?.active_seconds).toBeGreaterThanOrEqual(0);

    // The session stream: the coordinator's own trace plus the condensed view of the child.
    const created = events.find((e) => e.type === "session.thread_created");
    expect(created).toMatchObject({ session_thread_id: child.id, agent_name: "Worker", workflow_run_id: null });
    const use = events.find((e) => e.type === "agent.tool_use")!;
    expect(use).toMatchObject({ name: "send_to_agent", input: { agent: "Worker", message: "[[text:found 3 files]]" } });
    const result = events.find((e) => e.type === "agent.tool_result")!;
    expect(result).toMatchObject({ tool_use_id: use.id, is_error: false });
    expect(JSON.parse((result as any).content[0].text)).toEqual({ session_thread_id: child.id, agent_name: "Worker" });
    expect(events.find((e) => e.type === "agent.thread_message_sent")).toMatchObject({
      to_session_thread_id: child.id,
      to_agent_name: "Worker",
      content: [{ type: "text", text: "[[text:found 3 files]]" }],
    });
    expect(events.find((e) => e.type === "agent.thread_message_received")).toMatchObject({
      from_session_thread_id: child.id,
      from_agent_name: "Worker",
      content: [{ type: "text", text: "found 3 files" }],
    });
    const childStatus = events.filter((e) => e.type.startsWith("session.thread_status_"));
    expect(childStatus.map((e) => e.type)).toEqual(["session.thread_status_running", "session.thread_status_idle"]);
    expect(childStatus[1]).toMatchObject({ session_thread_id: child.id, agent_name: "Worker", stop_reason: { type: "end_turn" } });
    // The child's own work stays on its thread.
    expect(events.filter((e) => e.type === "agent.message").map((e: any) => e.content[0].text)).not.toContain("found 3 files");
    // The coordinator read the report: its last answer echoes it.
    const answers = events.filter((e) => e.type === "agent.message").map((e: any) => e.content[0].text);
    expect(answers[answers.length - 1]).toBe("Echo: found 3 files");
    // One session.status_idle: the session stayed running while any thread ran.
    expect(types(events).filter((t) => t === "session.status_idle")).toHaveLength(1);

    // The child's own log: the task received, its model call, its status, its report sent.
    const own = await threadEvents(client, session.id, child.id);
    expect(types(own)).toEqual(CHILD_TURN);
    expect(own[0]).toMatchObject({ from_session_thread_id: primary.id, content: [{ type: "text", text: "[[text:found 3 files]]" }] });
    expect(own[0]).not.toHaveProperty("from_agent_name");
    expect(own[6]).toMatchObject({ to_session_thread_id: primary.id, content: [{ type: "text", text: "found 3 files" }] });
    expect(own[6]).not.toHaveProperty("to_agent_name");
    // The primary thread's events are the session's.
    expect(await threadEvents(client, session.id, primary.id)).toEqual(events);

    // The child ran on its own conversation: the model saw the task and nothing of the coordinator's.
    const requests = await modelRequests(session.id);
    const childRequest = requests.find((r) => JSON.stringify(r.messages).includes("Message from the coordinator"));
    expect(childRequest.messages).toHaveLength(1);
    expect(childRequest.tools ?? []).toEqual([]);
    // Only the coordinator is offered the delegation tools.
    expect(requests[0].tools.map((t: { name: string }) => t.name)).toEqual(["list_agents", "send_to_agent"]);

    // Usage: the session's total is the sum of its threads'.
    const total = await client.beta.sessions.retrieve(session.id);
    expect(total.usage.input_tokens).toBe(threads.reduce((sum, t) => sum + (t.usage?.input_tokens ?? 0), 0));
  });

  it("sends follow-ups to a thread it started, which keeps its conversation", async () => {
    const { client, session } = await multiagentSession();
    await client.beta.sessions.events.send(session.id, { events: [say("[[spawn:Worker {{text:first report}}]]")] });
    await settled(client, session.id);
    await client.beta.sessions.events.send(session.id, { events: [say("[[message:last {{text:second report}}]]")] });
    const { events, threads } = await vi.waitFor(async () => {
      const got = await settled(client, session.id);
      expect(got.events.filter((e) => e.type === "agent.thread_message_received")).toHaveLength(2);
      return got;
    });
    expect(threads).toHaveLength(2);
    const child = threads[1];
    const sent = events.filter((e) => e.type === "agent.thread_message_sent");
    expect(sent.map((e: any) => e.to_session_thread_id)).toEqual([child.id, child.id]);
    expect(events.filter((e) => e.type === "session.thread_created")).toHaveLength(1);
    const own = await threadEvents(client, session.id, child.id);
    expect(own.filter((e) => e.type === "agent.message").map((e: any) => e.content[0].text)).toEqual(["first report", "second report"]);
    // The second request of the child carried its first exchange.
    const requests = (await modelRequests(session.id)).filter((r) => JSON.stringify(r.messages).includes("Message from the coordinator"));
    expect(requests[requests.length - 1].messages).toHaveLength(3);
  });

  it("multiagent_20261001: spawns an inline agent the coordinator defines, running on the coordinator's model", async () => {
    const { client } = await newTenant();
    const lead = await client.beta.agents.create({
      name: "Planner",
      model: "claude-fake-1",
      multiagent: { type: "multiagent_20261001", subagents: { type: "enabled" } },
    });
    const environment = await client.beta.environments.create({ name: `env-${crypto.randomUUID()}` });
    const session = await client.beta.sessions.create({ agent: lead.id, environment_id: environment.id });
    expect(session.agent.multiagent).toEqual({
      type: "multiagent_20261001",
      advisor: { type: "disabled" },
      subagents: { type: "enabled", inline_agents: { type: "enabled" }, predefined_agents: [] },
      workflows: { type: "enabled", inline_agents: { type: "enabled" }, predefined_agents: [] },
    });
    await client.beta.sessions.events.send(session.id, {
      events: [say('[[tool:send_to_agent {"agent":{"name":"helper","system":"Be brief."},"message":"ping"}]]')],
    });
    const { threads, events } = await settled(client, session.id);
    expect(threads[1].agent).toMatchObject({ type: "inline", name: "helper", system: "Be brief.", model: { id: "claude-fake-1" } });
    expect(events.find((e) => e.type === "agent.thread_message_received")).toMatchObject({ from_agent_name: "helper", content: [{ text: "Echo: ping" }] });
    const childRequest = (await modelRequests(session.id)).find((r) => r.system === "Be brief.");
    expect(childRequest).toBeDefined();
  });

  it("lists agents, and answers a bad delegation with an error result the turn goes on from", async () => {
    const { client, session } = await multiagentSession();
    await client.beta.sessions.events.send(session.id, {
      events: [say('[[tool:list_agents]] [[spawn:Nobody {{text:x}}]] [[tool:send_to_agent {"session_thread_id":"sthr_nope","message":"hi"}]]')],
    });
    const { events, threads } = await settled(client, session.id);
    expect(threads).toHaveLength(1);
    const results = events.filter((e) => e.type === "agent.tool_result") as any[];
    expect(results).toHaveLength(3);
    expect(results[0].is_error).toBe(false);
    expect(JSON.parse(results[0].content[0].text).agents).toEqual([
      { name: "Worker", description: "Does one well-scoped job and reports back." },
      { name: "Lead", description: null },
    ]);
    // (`[[tool:...]]` calls come first in the fake model's answer, then spawns.)
    expect(results[1]).toMatchObject({ is_error: true, content: [{ text: expect.stringMatching(/sthr_nope is not a thread you started/) }] });
    expect(results[2]).toMatchObject({ is_error: true, content: [{ text: expect.stringMatching(/no agent named Nobody/) }] });
  });

  it("streams a thread's events live (SSE), resumable with Last-Event-ID, and the session stream shows the condensed view", async () => {
    const { client, session } = await multiagentSession();
    const sessionStream = await client.beta.sessions.events.stream(session.id);
    await client.beta.sessions.events.send(session.id, { events: [say("[[spawn:Worker {{slow:20}} {{text:one two three four five six seven}}]]")] });
    const created = await waitForEvents(client, session.id, (e) => e.type === "session.thread_created");
    const threadId = (created.find((e) => e.type === "session.thread_created") as any).session_thread_id as string;
    const stream = await client.beta.sessions.threads.events.stream(threadId, { session_id: session.id });
    const head: ThreadEvent[] = [];
    for await (const event of stream) {
      head.push(event);
      if (head.length === 1) break;
    }
    const resumed = await client.beta.sessions.threads.events.stream(
      threadId,
      { session_id: session.id },
      { headers: { "Last-Event-ID": (head[0] as { id: string }).id } },
    );
    const tail: ThreadEvent[] = [];
    for await (const event of resumed) {
      tail.push(event);
      if (event.type === "agent.thread_message_sent") break;
    }
    const own = await threadEvents(client, session.id, threadId);
    expect([...head, ...tail]).toEqual(own.slice(own.length - head.length - tail.length));
    expect([...head, ...tail].map((e) => e.type)).toContain("agent.message");

    const seen: Event[] = [];
    for await (const event of sessionStream) {
      seen.push(event as Event);
      if (event.type === "session.status_idle") break;
    }
    const { events } = await settled(client, session.id);
    expect(seen).toEqual(events);
  });

  it("previews a child's text only on its own stream", async () => {
    const { client, session } = await multiagentSession();
    await client.beta.sessions.events.send(session.id, { events: [say("[[spawn:Worker {{delay:300}} {{slow:10}} {{text:alpha beta gamma delta}}]]")] });
    const created = await waitForEvents(client, session.id, (e) => e.type === "session.thread_created");
    const threadId = (created.find((e) => e.type === "session.thread_created") as any).session_thread_id as string;
    const stream = await client.beta.sessions.threads.events.stream(threadId, { session_id: session.id, event_deltas: ["agent.message"] });
    const seen: ThreadEvent[] = [];
    for await (const event of stream) {
      seen.push(event);
      if (event.type === "agent.message") break;
    }
    const kinds = seen.map((e) => e.type);
    expect(kinds).toContain("event_start");
    expect(kinds).toContain("event_delta");
  });
});

describe("threads: tools the brain runs", () => {
  it("runs a child thread's web_fetch in the brain and returns the page to that thread", async () => {
    const original = globalThis.fetch;
    const fetched: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(new Request(input as RequestInfo, init).url);
      if (url.hostname !== "docs.example.test") return original(input as RequestInfo, init);
      fetched.push(url.pathname);
      return new Response("<p>thread page</p>", { headers: { "content-type": "text/html" } });
    });
    try {
      const { client, session } = await multiagentSession({
        tools: [{ type: "agent_toolset_20260401", configs: [{ name: "web_fetch", allowed_domains: ["docs.example.test"] }] }],
      });
      await client.beta.sessions.events.send(session.id, {
        events: [say('[[spawn:Worker {{tool:web_fetch {"url":"https://docs.example.test/p"}}}{{next}}{{text:read it}}]]')],
      });
      const { threads } = await settled(client, session.id);
      const child = threads.find((t) => t.parent_thread_id !== null)!;
      const own = (await threadEvents(client, session.id, child.id)) as any[];
      const use = own.find((e) => e.type === "agent.tool_use" && e.name === "web_fetch");
      const result = own.find((e) => e.type === "agent.tool_result" && e.tool_use_id === use?.id);
      expect(result).toMatchObject({ is_error: false });
      expect(JSON.stringify(result.content)).toContain("thread page");
      expect(fetched).toEqual(["/p"]);
      expect(own.filter((e) => e.type === "agent.message").map((e) => e.content[0].text)).toContain("read it");
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe("threads: a child that cannot finish", () => {
  it("reports its failure to the coordinator when its model retries run out, then terminates", async () => {
    const { client, session } = await multiagentSession();
    await client.beta.sessions.events.send(session.id, { events: [say("[[spawn:Worker {{error:529 always}}]]")] });
    const { threads, events } = await settled(client, session.id, 20_000);
    const child = threads.find((t) => t.parent_thread_id !== null)!;
    expect(child.status).toBe("terminated");
    const received = events.filter((e) => e.type === "agent.thread_message_received") as any[];
    expect(received.map((e) => e.from_session_thread_id)).toContain(child.id);
    expect(JSON.stringify(received.find((e) => e.from_session_thread_id === child.id).content)).toContain("retries_exhausted");
  });
});

describe("threads: status, interrupts, archive", () => {
  it("routes a child's custom tool use to the client through the session, and its result back to the child", async () => {
    const { client, session } = await multiagentSession({ tools: [lookupTool] });
    await client.beta.sessions.events.send(session.id, { events: [say('[[spawn:Worker {{tool:lookup {"q":"x"}}}]]')] });
    const events = await waitForEvents(client, session.id, (e) => e.type === "session.status_idle");
    const idle = events.findLast((e) => e.type === "session.status_idle") as any;
    const use = events.find((e) => e.type === "agent.custom_tool_use") as any;
    const child = (events.find((e) => e.type === "session.thread_created") as any).session_thread_id;
    expect(use).toMatchObject({ name: "lookup", input: { q: "x" }, session_thread_id: child });
    expect(idle.stop_reason).toEqual({ type: "requires_action", event_ids: [use.id] });
    const thread = await client.beta.sessions.threads.retrieve(child, { session_id: session.id });
    expect(thread.status).toBe("idle");
    // On the child's own stream the cross-post marker is absent.
    const own = await threadEvents(client, session.id, child);
    expect(own.find((e) => e.type === "agent.custom_tool_use")).not.toHaveProperty("session_thread_id");

    // The SDK's params carry no thread: the server routes the result by its tool use id.
    await client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.custom_tool_result", custom_tool_use_id: use.id, content: [{ type: "text", text: "42" }] }],
    });
    const after = await settled(client, session.id);
    const result = after.events.find((e) => e.type === "user.custom_tool_result") as any;
    expect(result).toMatchObject({ custom_tool_use_id: use.id, session_thread_id: child });
    const report = after.events.findLast((e) => e.type === "agent.thread_message_received") as any;
    expect(report.content[0].text).toMatch(/ok\(42\)/);
  });

  it("runs a child's built-in tools in the session's sandbox, results routed back to the child", async () => {
    const { client, session } = await multiagentSession({ tools: [{ type: "agent_toolset_20260401" }] });
    await client.beta.sessions.events.send(session.id, { events: [say('[[spawn:Worker {{tool:bash {"command":"echo from-child"}}}]]')] });
    const { events, threads } = await settled(client, session.id, 20_000);
    const own = await threadEvents(client, session.id, threads[1].id);
    expect(types(own)).toContain("agent.tool_use");
    expect(own.find((e) => e.type === "agent.tool_use")).toMatchObject({ name: "bash", input: { command: "echo from-child" } });
    // Allowed built-in tool uses are the child's business: not cross-posted to the session stream.
    expect(events.some((e) => e.type === "agent.tool_use" && (e as any).name === "bash")).toBe(false);
    const report = events.findLast((e) => e.type === "agent.thread_message_received") as any;
    expect(report.content[0].text).toMatch(/ok\(from-child/);
  });

  it("interrupts one thread, or every thread", async () => {
    const { client, session } = await multiagentSession();
    await client.beta.sessions.events.send(session.id, { events: [say("[[spawn:Worker {{delay:5000}}]] [[next]] [[delay:5000]]")] });
    const running = await waitForEvents(client, session.id, (e) => e.type === "session.thread_status_running");
    const child = (running.find((e) => e.type === "session.thread_created") as any).session_thread_id;

    // A targeted interrupt stops the child alone: the session keeps running with the coordinator.
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt", session_thread_id: child }] });
    const stopped = await waitForEvents(client, session.id, (e) => e.type === "session.thread_status_idle");
    expect(stopped.find((e) => e.type === "user.interrupt")).toMatchObject({ session_thread_id: child });
    expect((await client.beta.sessions.threads.retrieve(child, { session_id: session.id })).status).toBe("idle");
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("running");
    // Interrupted, the child reports nothing.
    expect(stopped.some((e) => e.type === "agent.thread_message_received")).toBe(false);

    // Then everything: the coordinator is still in its slow model call.
    expect((await threadsOf(client, session.id))[0].status).toBe("running");
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] });
    const { threads, events } = await settled(client, session.id);
    expect(threads.map((t) => t.status)).toEqual(["idle", "idle"]);
    expect(events.filter((e) => e.type === "user.interrupt")).toHaveLength(2);
    // The idle child was left alone: its log has the targeted interrupt only.
    expect((await threadEvents(client, session.id, child)).filter((e) => e.type === "user.interrupt")).toHaveLength(1);
    // The coordinator's cut-short model call is closed on the log.
    const starts = events.filter((e) => e.type === "span.model_request_start").length;
    expect(events.filter((e) => e.type === "span.model_request_end")).toHaveLength(starts);
    expect(events[events.length - 1]).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
  });

  it("archives an idle child thread (terminated, out of the running), and refuses the primary and running threads", async () => {
    const { client, session } = await multiagentSession();
    await client.beta.sessions.events.send(session.id, { events: [say("[[spawn:Worker {{text:done}}]]")] });
    const { threads } = await settled(client, session.id);
    const [primary, child] = threads;

    await expectRejected(client.beta.sessions.threads.archive(primary.id, { session_id: session.id }), 400, "invalid_request_error", /primary thread/);
    const archived = await client.beta.sessions.threads.archive(child.id, { session_id: session.id });
    expect(archived).toMatchObject({ id: child.id, status: "terminated", archived_at: expect.any(String) });
    const events = await allEvents(client, session.id);
    expect(events[events.length - 1]).toMatchObject({ type: "session.thread_status_terminated", session_thread_id: child.id });
    // Archived threads take no more messages; the coordinator is told so.
    await client.beta.sessions.events.send(session.id, { events: [say(`[[message:${child.id} more]]`)] });
    const after = await settled(client, session.id);
    expect(after.events.findLast((e) => e.type === "agent.tool_result")).toMatchObject({ is_error: true });
    // Idempotent, and statuses filter the list.
    expect((await client.beta.sessions.threads.archive(child.id, { session_id: session.id })).archived_at).toBe(archived.archived_at);
    expect((await collect(client.beta.sessions.threads.list(session.id, { statuses: ["terminated"] }))).map((t) => t.id)).toEqual([child.id]);

    // A running thread must be interrupted first.
    await client.beta.sessions.events.send(session.id, { events: [say("[[spawn:Worker {{delay:3000}}]]")] });
    const running = await waitForEvents(client, session.id, (e) => e.type === "session.thread_status_running", { count: 2 });
    const busy = (running.findLast((e) => e.type === "session.thread_created") as any).session_thread_id;
    await expectRejected(client.beta.sessions.threads.archive(busy, { session_id: session.id }), 400, "invalid_request_error", /interrupt/);
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] });
    await settled(client, session.id);
  });

  it("pages the thread list across pages", async () => {
    const { client, session } = await multiagentSession();
    await client.beta.sessions.events.send(session.id, {
      events: [say("[[spawn:Worker {{text:a}}]] [[spawn:Worker {{text:b}}]] [[spawn:Lead {{text:c}}]]")],
    });
    await vi.waitFor(async () => expect((await settled(client, session.id)).events.filter((e) => e.type === "agent.thread_message_received")).toHaveLength(3));
    const all = await threadsOf(client, session.id);
    expect(all).toHaveLength(4);
    const first = await client.beta.sessions.threads.list(session.id, { limit: 2 });
    expect(first.data).toEqual(all.slice(0, 2).map((t) => ({ ...t, stats: expect.anything(), usage: expect.anything(), updated_at: expect.any(String) })));
    expect(first.hasNextPage()).toBe(true);
    const paged = await collect(client.beta.sessions.threads.list(session.id, { limit: 1 }));
    expect(paged.map((t) => t.id)).toEqual(all.map((t) => t.id));
    expect(all[3].agent).toMatchObject({ name: "Lead" });
  });
});

describe("threads: isolation and validation", () => {
  it("is invisible to another workspace, and 404s unknown threads", async () => {
    const { client, session } = await multiagentSession();
    await client.beta.sessions.events.send(session.id, { events: [say("[[spawn:Worker {{text:x}}]]")] });
    const { threads } = await settled(client, session.id);
    const other = (await newTenant()).client;
    const child = threads[1].id;
    await expectRejected(other.beta.sessions.threads.list(session.id), 404, "not_found_error");
    await expectRejected(other.beta.sessions.threads.retrieve(child, { session_id: session.id }), 404, "not_found_error");
    await expectRejected(other.beta.sessions.threads.archive(child, { session_id: session.id }), 404, "not_found_error");
    await expectRejected(other.beta.sessions.threads.events.list(child, { session_id: session.id }), 404, "not_found_error");
    await expectRejected(other.beta.sessions.threads.events.stream(child, { session_id: session.id }), 404, "not_found_error");
    await expectRejected(client.beta.sessions.threads.retrieve("sthr_nope", { session_id: session.id }), 404, "not_found_error");
    await expectRejected(client.beta.sessions.threads.events.list("sthr_nope", { session_id: session.id }), 404, "not_found_error");
    await expectRejected(client.beta.sessions.threads.events.stream("sthr_nope", { session_id: session.id }), 404, "not_found_error");
    expect((await client.beta.sessions.threads.retrieve(child, { session_id: session.id })).status).toBe("idle");
  });

  it("refuses bad input with a 4xx and writes nothing", async () => {
    const { client, session } = await multiagentSession();
    const before = await allEvents(client, session.id);
    await expectRejected(client.beta.sessions.threads.list(session.id, { statuses: ["sleeping" as any] }), 400, "invalid_request_error", /statuses/);
    await expectRejected(client.beta.sessions.threads.list(session.id, { limit: 0 }), 400, "invalid_request_error", /limit/);
    await expectRejected(client.beta.sessions.threads.list(session.id, { page: "garbage" }), 400, "invalid_request_error", /page/);
    // An interrupt naming no thread of this session rejects the whole batch.
    await expectRejected(
      client.beta.sessions.events.send(session.id, { events: [say("hi"), { type: "user.interrupt", session_thread_id: "sthr_nope" }] }),
      400,
      "invalid_request_error",
      /session_thread_id: no thread sthr_nope/,
    );
    expect(await allEvents(client, session.id)).toEqual(before);
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("idle");
  });

  it("a single-agent session has its primary thread only, with the session's events", async () => {
    const tenant = await newTenant();
    const agent = await tenant.client.beta.agents.create({ name: "solo", model: "claude-fake-1" });
    const environment = await tenant.client.beta.environments.create({ name: `env-${crypto.randomUUID()}` });
    const session = await tenant.client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    expect(session.agent.multiagent).toBeNull();
    await tenant.client.beta.sessions.events.send(session.id, { events: [say("hello")] });
    const { threads, events } = await settled(tenant.client, session.id);
    expect(threads).toHaveLength(1);
    expect(threads[0]).toMatchObject({ parent_thread_id: null, status: "idle" });
    expect(await threadEvents(tenant.client, session.id, threads[0].id)).toEqual(events);
    await expectRejected(tenant.client.beta.sessions.threads.archive(threads[0].id, { session_id: session.id }), 400, "invalid_request_error");
    await expectRejected(
      tenant.client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt", session_thread_id: "sthr_other" }] }),
      400,
      "invalid_request_error",
      /session_thread_id/,
    );
    await tenant.client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt", session_thread_id: threads[0].id }] });
    expect((await allEvents(tenant.client, session.id)).length).toBe(events.length + 1);
  });
});

describe("threads: durability", () => {
  it("a crash mid child model call resumes the child from the log: nothing lost or duplicated", async () => {
    const { client, session } = await multiagentSession();
    await client.beta.sessions.events.send(session.id, { events: [say("[[spawn:Worker {{slow:60}} {{text:one two three four five six seven eight}}]]")] });
    const created = await waitForEvents(client, session.id, (e) => e.type === "session.thread_created");
    const child = (created.find((e) => e.type === "session.thread_created") as any).session_thread_id;
    await vi.waitFor(async () => expect(types(await threadEvents(client, session.id, child))).toContain("span.model_request_start"), { timeout: 5000, interval: 10 });

    await runInDurableObject(stubOf(session.id), (_instance, state) => state.abort("simulated crash")).catch(() => {});

    const { events } = await settled(client, session.id, 15_000);
    expectWellFormedLog(events);
    const own = await threadEvents(client, session.id, child);
    expectWellFormedLog(own);
    expect(types(own)).toEqual(CHILD_TURN);
    expect(events.findLast((e) => e.type === "agent.thread_message_received")).toMatchObject({
      content: [{ type: "text", text: "one two three four five six seven eight" }],
    });
    const state = await runInDurableObject(stubOf(session.id), (instance) => instance.inspect());
    expect(state?.threads?.byId[child].turn).toMatchObject({ phase: "idle", pending: [], inflightStartId: null });
  });
});
