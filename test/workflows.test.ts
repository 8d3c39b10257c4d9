import type {
  BetaManagedAgentsWorkflowRunCreatedEvent,
  BetaManagedAgentsWorkflowRunErrorEvent,
  BetaManagedAgentsWorkflowRunPhaseEndedEvent,
  BetaManagedAgentsWorkflowRunPhaseStartedEvent,
  BetaManagedAgentsWorkflowRunStatusEndedEvent,
} from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { answersOf, childThreads, crash, crashWhileWorking, ofType, RUN_OF_TWO_PHASES, runEvents, settled, stubOf, threadsOf, workflowSession } from "./helpers/workflows";
import { collect } from "./helpers/assertions";
import { allEvents, expectWellFormedLog, lookupTool, modelRequests, say, types, waitForIdle } from "./helpers/sessions";

/** A run that ended with an error after starting one phase (which its end closed, or which had ended). */
const ENDED_IN_ERROR_AFTER_ONE_PHASE = [
  "workflow_run.created",
  "workflow_run.status_running",
  "workflow_run.phase_started",
  "workflow_run.phase_ended",
  "workflow_run.error",
  "workflow_run.status_ended",
];


describe("workflow runs", () => {
  it("runs a plan's phases in order, each in a thread of its agent, the previous report handed on, the last one back to the agent", async () => {
    const { client, session } = await workflowSession();
    expect(session.agent.multiagent).toMatchObject({ workflows: { type: "enabled", inline_agents: { type: "enabled" }, predefined_agents: [{ name: "Worker" }] } });
    await client.beta.sessions.events.send(session.id, {
      events: [say("[[workflow:review Gather=Worker:{{text:found 3 files}} >> Judge=Worker:{{text:all good}}]]")],
    });
    const { events, threads } = await settled(client, session.id);
    expectWellFormedLog(events);

    const run = runEvents(events);
    expect(types(run)).toEqual(RUN_OF_TWO_PHASES);
    const created = run[0] as BetaManagedAgentsWorkflowRunCreatedEvent;
    expect(created).toEqual({
      id: expect.any(String),
      type: "workflow_run.created",
      processed_at: expect.any(String),
      workflow_run_id: expect.any(String),
      name: "review",
      description: null,
      phases: [
        { id: expect.any(String), name: "Gather", description: null },
        { id: expect.any(String), name: "Judge", description: null },
      ],
    });
    const runId = created.workflow_run_id;
    for (const e of run) expect(e).toMatchObject({ workflow_run_id: runId });
    const [, , start1, end1, start2, end2, ended] = run as [
      unknown,
      unknown,
      BetaManagedAgentsWorkflowRunPhaseStartedEvent,
      BetaManagedAgentsWorkflowRunPhaseEndedEvent,
      BetaManagedAgentsWorkflowRunPhaseStartedEvent,
      BetaManagedAgentsWorkflowRunPhaseEndedEvent,
      BetaManagedAgentsWorkflowRunStatusEndedEvent,
    ];
    expect(start1.workflow_run_phase_id).toBe(created.phases[0].id);
    expect(end1).toMatchObject({ workflow_run_phase_id: created.phases[0].id, phase_started_id: start1.id });
    expect(start2.workflow_run_phase_id).toBe(created.phases[1].id);
    expect(end2).toMatchObject({ workflow_run_phase_id: created.phases[1].id, phase_started_id: start2.id });
    expect(ended.result).toEqual({ type: "completed" });

    // The tool call that started it returned at once with the run's id.
    const use = events.find((e) => e.type === "agent.tool_use") as any;
    expect(use).toMatchObject({ name: "start_workflow_run", input: { name: "review" } });
    const result = events.find((e) => e.type === "agent.tool_result" && (e as any).tool_use_id === use.id) as any;
    expect(result.is_error).toBe(false);
    expect(JSON.parse(result.content[0].text)).toMatchObject({ workflow_run_id: runId });

    // One thread per phase, created by the run, each in order after its phase started.
    const children = threads.filter((t) => t.parent_thread_id !== null);
    expect(children.map((t) => ["name" in t.agent ? t.agent.name : null, t.workflow_run_id])).toEqual([
      ["Worker", runId],
      ["Worker", runId],
    ]);
    expect(threads[0].workflow_run_id).toBeNull();
    const createdThreads = events.filter((e) => e.type === "session.thread_created") as any[];
    expect(createdThreads.map((e) => [e.session_thread_id, e.workflow_run_id])).toEqual(children.map((t) => [t.id, runId]));
    const at = (id: string) => events.findIndex((e) => e.id === id);
    expect(at(createdThreads[0].id)).toBeGreaterThan(at(start1.id));
    expect(at(createdThreads[1].id)).toBeGreaterThan(at(end1.id));

    // The second phase's agent read its task and the first phase's report; it saw nothing of the coordinator's conversation.
    const requests = await modelRequests(session.id);
    const judge = requests.find((r) => JSON.stringify(r.messages).includes("Report of the previous phase (Gather)"));
    expect(JSON.stringify(judge.messages)).toContain("found 3 files");
    expect(judge.messages).toHaveLength(1);
    // Only the coordinator is offered the workflow tools (subagents are disabled: no delegation tools).
    expect(requests[0].tools.map((t: { name: string }) => t.name)).toEqual(["start_workflow_run", "stop_workflow_run", "get_workflow_run"]);

    // The run's outcome reached the coordinator, which read it.
    const answers = events.filter((e) => e.type === "agent.message").map((e: any) => e.content[0].text);
    expect(answers[answers.length - 1]).toMatch(new RegExp(`^Echo: Workflow run ${runId} \\(review\\) completed\\.`));
    expect(answers[answers.length - 1]).toContain("all good");
  });

  it("refuses a plan it cannot run: workflow_run.error with no run, an error result the turn goes on from", async () => {
    const { client, session } = await workflowSession();
    await client.beta.sessions.events.send(session.id, { events: [say("[[workflow:bad Gather=Nobody:{{text:x}}]]")] });
    const events = await vi.waitFor(
      async () => {
        const events = await allEvents(client, session.id);
        expect(events[events.length - 1].type).toBe("session.status_idle");
        return events;
      },
      { timeout: 10_000, interval: 25 },
    );
    const run = runEvents(events);
    expect(run).toEqual([
      {
        id: expect.any(String),
        type: "workflow_run.error",
        processed_at: expect.any(String),
        workflow_run_id: null,
        error: { type: "program_error", message: expect.stringContaining("phases[0].agent: no agent named Nobody") },
      },
    ]);
    const result = events.find((e) => e.type === "agent.tool_result") as any;
    expect(result).toMatchObject({ is_error: true });
    expect(result.content[0].text).toContain("no agent named Nobody");
    expect(await threadsOf(client, session.id)).toHaveLength(1);
  });

  it(`refuses a run past the open-runs limit with max_workflow_runs_error`, async () => {
    const { client, session } = await workflowSession();
    const plan = (n: number) => `[[workflow:run${n} P=Worker:{{text:r${n}}}]]`;
    await client.beta.sessions.events.send(session.id, { events: [say([1, 2, 3, 4, 5, 6].map(plan).join(""))] });
    const { events } = await settled(client, session.id, 5);
    const errors = events.filter((e) => e.type === "workflow_run.error") as BetaManagedAgentsWorkflowRunErrorEvent[];
    expect(errors).toEqual([expect.objectContaining({ workflow_run_id: null, error: { type: "max_workflow_runs_error", message: expect.stringContaining("at most 5") } })]);
    expect(events.filter((e) => e.type === "workflow_run.created").map((e: any) => e.name)).toEqual(["run1", "run2", "run3", "run4", "run5"]);
  });

  it("ends the run with an error when a phase's agent cannot finish: error, phase ended, status_ended with the same error", async () => {
    const { client, session } = await workflowSession();
    await client.beta.sessions.events.send(session.id, {
      events: [say("[[workflow:fragile Gather=Worker:{{error:529 always}} >> Judge=Worker:{{text:never}}]]")],
    });
    const { events, threads } = await settled(client, session.id, 1, 30_000);
    const run = runEvents(events);
    expect(types(run)).toEqual(ENDED_IN_ERROR_AFTER_ONE_PHASE);
    const error = (run[4] as BetaManagedAgentsWorkflowRunErrorEvent).error;
    expect(error).toMatchObject({ type: "unknown_error", message: expect.stringContaining("retries_exhausted") });
    expect((run[5] as BetaManagedAgentsWorkflowRunStatusEndedEvent).result).toEqual({ type: "error", error });
    // The second phase never started; the failed phase's thread terminated.
    expect(threads.filter((t) => t.parent_thread_id !== null).map((t) => t.status)).toEqual(["terminated"]);
    const answers = events.filter((e) => e.type === "agent.message").map((e: any) => e.content[0].text);
    expect(answers[answers.length - 1]).toContain("ended with unknown_error");
  });

  it("idles while its phase's thread waits on the client, and runs again when the client answers", async () => {
    const { client, session } = await workflowSession({ tools: [lookupTool] });
    await client.beta.sessions.events.send(session.id, { events: [say('[[workflow:ask Look=Worker:{{tool:lookup {"q":"x"}}}]]')] });
    const waiting = await waitForIdle(client, session.id);
    const use = waiting.find((e) => e.type === "agent.custom_tool_use") as any;
    expect(waiting.findLast((e) => e.type === "session.status_idle")).toMatchObject({ stop_reason: { type: "requires_action", event_ids: [use.id] } });
    expect(types(runEvents(waiting))).toEqual(["workflow_run.created", "workflow_run.status_running", "workflow_run.phase_started", "workflow_run.status_idle"]);

    await client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.custom_tool_result", custom_tool_use_id: use.id, content: [{ type: "text", text: "42" }] }],
    });
    const { events } = await settled(client, session.id);
    expect(types(runEvents(events))).toEqual([
      "workflow_run.created",
      "workflow_run.status_running",
      "workflow_run.phase_started",
      "workflow_run.status_idle",
      "workflow_run.status_running",
      "workflow_run.phase_ended",
      "workflow_run.status_ended",
    ]);
    const answers = events.filter((e) => e.type === "agent.message").map((e: any) => e.content[0].text);
    expect(answers[answers.length - 1]).toContain("ok(42)");
  });

  const CRASH_CASES = [
    { agents: "its agent", gather: "Worker:{{slow:60}} {{text:one two three four five six seven eight}}", reports: ["one two three four five six seven eight"] },
    {
      agents: "both its agents in parallel",
      gather: "Worker:{{slow:60}} {{text:one two three four five six}} && Worker:{{slow:60}} {{text:seven eight nine ten}}",
      reports: ["one two three four five six", "seven eight nine ten"],
    },
  ];
  it.each(CRASH_CASES)("a crash mid-phase resumes $agents from the log: every event once, the run completes", async ({ gather, reports }) => {
    const { client, session } = await workflowSession();
    await client.beta.sessions.events.send(session.id, { events: [say(`[[workflow:slow Gather=${gather} >> Judge=Worker:{{text:checked}}]]`)] });
    await crashWhileWorking(client, session.id, reports.length);

    const { events, threads } = await settled(client, session.id, 1, 20_000);
    expectWellFormedLog(events);
    expect(types(runEvents(events))).toEqual(RUN_OF_TWO_PHASES);
    expect((runEvents(events)[6] as BetaManagedAgentsWorkflowRunStatusEndedEvent).result).toEqual({ type: "completed" });
    expect(threads.filter((t) => t.parent_thread_id !== null)).toHaveLength(reports.length + 1);
    const judge = (await modelRequests(session.id)).find((r) => JSON.stringify(r.messages).includes("of the previous phase (Gather)"));
    for (const report of reports) expect(JSON.stringify(judge.messages)).toContain(report);
    const state = await runInDurableObject(stubOf(session.id), (instance) => instance.inspect());
    // The journal holds each agent call once, reported: the crash re-ran none of them.
    const [run] = Object.values(state!.threads!.workflows!.runs);
    expect(run).toMatchObject({ name: "slow", ended: true, result: "completed" });
    expect(run.calls.map((c) => c.report !== undefined)).toEqual([...reports.map(() => true), true]);
  });
});

describe("workflow runs: fan-out, stop, time limit, limits", () => {
  it("a phase of several agents runs them at the same time and ends when the last reports; the next phase reads every report", async () => {
    const { client, session } = await workflowSession();
    await client.beta.sessions.events.send(session.id, {
      events: [say("[[workflow:fan Gather=Worker:{{delay:1000}} {{text:left half}} && Worker:{{delay:1000}} {{text:right half}} >> Judge=Worker:{{text:judged}}]]")],
    });
    const { events, threads } = await settled(client, session.id);
    expectWellFormedLog(events);
    expect(types(runEvents(events))).toEqual(RUN_OF_TWO_PHASES);
    const [created] = ofType(events, "workflow_run.created");
    expect(created.phases.map((p) => p.name)).toEqual(["Gather", "Judge"]);

    // Gather's two threads were created together when it started; Judge's only after Gather ended.
    const children = childThreads(threads);
    expect(children).toHaveLength(3);
    const at = (id: string) => events.findIndex((e) => e.id === id);
    const [gatherStart, judgeStart] = ofType(events, "workflow_run.phase_started");
    const [gatherEnd] = ofType(events, "workflow_run.phase_ended");
    const spawned = ofType(events, "session.thread_created").map((e) => at(e.id));
    expect(spawned[0]).toBeGreaterThan(at(gatherStart.id));
    expect(spawned[1]).toBeLessThan(at(gatherEnd.id));
    expect(spawned[2]).toBeGreaterThan(at(gatherEnd.id));
    expect(at(judgeStart.id)).toBeGreaterThan(at(gatherEnd.id));

    // Both agents' model calls were under way at the same time: each started before the other ended.
    const spans = await Promise.all(
      children.slice(0, 2).map(async (t) => {
        const own = await collect(client.beta.sessions.threads.events.list(t.id, { session_id: session.id }));
        const report = ofType(own, "agent.message")[0];
        return { start: ofType(own, "span.model_request_start")[0].processed_at!, end: ofType(own, "span.model_request_end")[0].processed_at!, report };
      }),
    );
    expect(spans[0].start < spans[1].end && spans[1].start < spans[0].end).toBe(true);
    // The phase ended only after both reported.
    expect(spans.map((s) => answersOf([s.report])[0]).sort()).toEqual(["left half", "right half"]);
    for (const { report } of spans) expect(report.id < gatherEnd.id).toBe(true);

    const requests = await modelRequests(session.id);
    const judge = requests.find((r) => JSON.stringify(r.messages).includes("Reports of the previous phase (Gather), one per agent"));
    expect(JSON.stringify(judge.messages)).toContain("left half");
    expect(JSON.stringify(judge.messages)).toContain("right half");
    const answers = answersOf(events);
    expect(answers[answers.length - 1]).toMatch(/^Echo: Workflow run \S+ \(fan\) completed\.[\s\S]*judged/);
  });

  it("the agent checks on a run and stops it mid-phase: its thread terminates, the run ends stopped, a second stop is an error", async () => {
    const { client, session } = await workflowSession();
    await client.beta.sessions.events.send(session.id, {
      events: [say("[[workflow:long Work=Worker:{{delay:4000}} {{text:too late}}]][[next]][[workflow_status:last]][[next]][[stop_workflow:last]][[next]][[stop_workflow:last]]")],
    });
    const { events, threads } = await settled(client, session.id);
    const run = runEvents(events);
    expect(types(run)).toEqual(["workflow_run.created", "workflow_run.status_running", "workflow_run.phase_started", "workflow_run.phase_ended", "workflow_run.status_ended"]);
    expect(ofType(events, "workflow_run.status_ended")[0].result).toEqual({ type: "stopped" });

    const results = ofType(events, "agent.tool_result");
    const text = (i: number) => (results[i].content![0] as { text: string }).text;
    const status = JSON.parse(text(1));
    expect(status).toMatchObject({ name: "long", status: "running", result: null, phases: [{ name: "Work", status: "running" }] });
    expect(status.agents).toEqual({ called: 1, working: 1, reported: 0, threads: 1 });
    expect(results[2].is_error).toBe(false);
    expect(JSON.parse(text(2))).toEqual({ workflow_run_id: ofType(events, "workflow_run.created")[0].workflow_run_id, result: { type: "stopped" } });
    expect(results[3].is_error).toBe(true);
    expect(text(3)).toContain("has already ended (stopped)");

    // The phase's thread was cut off and terminated; its late answer never came; nothing was reported to the agent.
    expect(childThreads(threads).map((t) => t.status)).toEqual(["terminated"]);
    expect(answersOf(events).some((a) => a.includes("too late"))).toBe(false);
    expect(answersOf(events).some((a) => a.includes("Workflow run"))).toBe(false);
  });

  it("a run past its time limit ends with timeout_error while its agent is mid-call; the agent is told", async () => {
    const { client, session } = await workflowSession();
    await client.beta.sessions.events.send(session.id, { events: [say("[[workflow:slow timeout=1 Work=Worker:{{delay:6000}} {{text:too late}}]]")] });
    const { events, threads } = await settled(client, session.id, 1, 20_000);
    expect(types(runEvents(events))).toEqual(ENDED_IN_ERROR_AFTER_ONE_PHASE);
    const error = { type: "timeout_error", message: "the run reached its time limit of 1 seconds" };
    expect(ofType(events, "workflow_run.error")[0].error).toEqual(error);
    expect(ofType(events, "workflow_run.status_ended")[0].result).toEqual({ type: "error", error });
    expect(childThreads(threads).map((t) => t.status)).toEqual(["terminated"]);
    const answers = answersOf(events);
    expect(answers.some((a) => a.includes("too late"))).toBe(false);
    expect(answers[answers.length - 1]).toContain("ended with timeout_error");
  });

  it("the time limit holds while the run idles and across a crash: the alarm ends the run", async () => {
    const { client, session } = await workflowSession({ tools: [lookupTool] });
    await client.beta.sessions.events.send(session.id, { events: [say('[[workflow:ask timeout=3 Look=Worker:{{tool:lookup {"q":"x"}}}]]')] });
    const waiting = await waitForIdle(client, session.id);
    expect(types(runEvents(waiting))).toContain("workflow_run.status_idle");
    await crash(session.id);

    const { events, threads } = await settled(client, session.id, 1, 20_000);
    expect(types(runEvents(events))).toEqual([
      "workflow_run.created",
      "workflow_run.status_running",
      "workflow_run.phase_started",
      "workflow_run.status_idle",
      "workflow_run.phase_ended",
      "workflow_run.error",
      "workflow_run.status_ended",
    ]);
    expect(ofType(events, "workflow_run.status_ended")[0].result).toMatchObject({ type: "error", error: { type: "timeout_error" } });
    // The custom tool call the thread waited on was closed with an error result; nothing is owed any more.
    const use = ofType(events, "agent.custom_tool_use")[0];
    expect(childThreads(threads).map((t) => t.status)).toEqual(["terminated"]);
    const own = await collect(client.beta.sessions.threads.events.list(childThreads(threads)[0].id, { session_id: session.id }));
    expect(own.find((e) => e.type === "agent.tool_result" && e.tool_use_id === use.id)).toMatchObject({ is_error: true });
    expect(events[events.length - 1]).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
  });

  it("an agent call past the run's limit ends it with thread_limit_error; the agents it started are cut off", async () => {
    const { client, session } = await workflowSession();
    // 101 calls at once: 8 start (the run's concurrency), the rest wait, the 101st passes the limit of 100.
    const program = 'const all = []; for (let i = 0; i < 101; i++) all.push(agent({ name: "Worker", task: "{{text:r" + i + "}}" })); return (await Promise.all(all)).length;';
    await client.beta.sessions.events.send(session.id, { events: [say(`[[program:big ${program}]]`)] });
    const { events, threads } = await settled(client, session.id, 1, 30_000);
    expect(types(runEvents(events))).toEqual(["workflow_run.created", "workflow_run.status_running", "workflow_run.error", "workflow_run.status_ended"]);
    const error = ofType(events, "workflow_run.error")[0].error;
    expect(error).toMatchObject({ type: "thread_limit_error", message: expect.stringContaining("at most 100 agents") });
    expect(childThreads(threads)).toHaveLength(0);
    expect(answersOf(events).at(-1)).toContain("ended with thread_limit_error");
  });

  it("refuses a phase of more agents than it may run at once with program_error", async () => {
    const { client, session } = await workflowSession();
    const nine = Array.from({ length: 9 }, () => "Worker:{{text:x}}").join(" && ");
    await client.beta.sessions.events.send(session.id, { events: [say(`[[workflow:huge Wide=${nine}]]`)] });
    const events = await waitForIdle(client, session.id);
    expect(runEvents(events)).toEqual([
      expect.objectContaining({ type: "workflow_run.error", workflow_run_id: null, error: { type: "program_error", message: "phases[0].agents: at most 8 agents per phase" } }),
    ]);
    expect(await threadsOf(client, session.id)).toHaveLength(1);
  });

  it("a run thread archived by the client before it reported ends the run with unknown_error", async () => {
    const { client, session } = await workflowSession({ tools: [lookupTool] });
    await client.beta.sessions.events.send(session.id, { events: [say('[[workflow:ask Look=Worker:{{tool:lookup {"q":"x"}}} >> Next=Worker:{{text:never}}]]')] });
    await waitForIdle(client, session.id);
    const [child] = childThreads(await threadsOf(client, session.id));
    await client.beta.sessions.threads.archive(child.id, { session_id: session.id });
    const { events, threads } = await settled(client, session.id);
    expect(types(runEvents(events))).toEqual([...ENDED_IN_ERROR_AFTER_ONE_PHASE.slice(0, 3), "workflow_run.status_idle", ...ENDED_IN_ERROR_AFTER_ONE_PHASE.slice(3)]);
    expect(ofType(events, "workflow_run.error")[0].error).toEqual({ type: "unknown_error", message: expect.stringContaining("ended before it reported") });
    expect(childThreads(threads)).toHaveLength(1);
    expect(answersOf(events).at(-1)).toContain("ended with unknown_error");
  });

  it("archiving the session ends its open run: error, end, its waiting thread terminated", async () => {
    const { client, session } = await workflowSession({ tools: [lookupTool] });
    await client.beta.sessions.events.send(session.id, { events: [say('[[workflow:ask Look=Worker:{{tool:lookup {"q":"x"}}}]]')] });
    await waitForIdle(client, session.id);
    await client.beta.sessions.archive(session.id);
    const events = await allEvents(client, session.id);
    expect(types(runEvents(events)).slice(-3)).toEqual(["workflow_run.phase_ended", "workflow_run.error", "workflow_run.status_ended"]);
    expect(ofType(events, "workflow_run.status_ended")[0].result).toEqual({ type: "error", error: { type: "unknown_error", message: "the session was archived" } });
    expect(childThreads(await threadsOf(client, session.id)).map((t) => t.status)).toEqual(["terminated"]);
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("terminated");
  });
});
