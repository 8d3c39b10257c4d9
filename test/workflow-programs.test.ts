import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { collect } from "./helpers/assertions";
import { expectWellFormedLog, modelRequests, say, types, waitForIdle } from "./helpers/sessions";
import { answersOf, childThreads, crash, ofType, RUN_OF_TWO_PHASES, runEvents, settled, stubOf, threadsOf, workflowSession } from "./helpers/workflows";

/** Starts a run of `program` (the fake model's `[[program:...]]` directive) in a fresh workflow session. */
async function runProgram(name: string, program: string, timeout?: number) {
  const fixture = await workflowSession();
  const head = timeout ? `${name} timeout=${timeout}` : name;
  await fixture.client.beta.sessions.events.send(fixture.session.id, { events: [say(`[[program:${head} ${program}]]`)] });
  return fixture;
}

/** The conversation of every model request the run's agents sent (not the coordinator's, which holds the program). */
const requestTexts = async (sessionId: string) =>
  (await modelRequests(sessionId)).map((r) => JSON.stringify(r.messages)).filter((text) => !text.includes("[[program:"));

describe("workflow programs", () => {
  it("loops over items fanning out one agent each at the same time, then a reduce agent gets their results", async () => {
    const program = `
      const items = ["alpha", "beta", "gamma", "delta"];
      const found = await phase("Read", () => Promise.all(items.map((item) => agent({ name: "Worker", task: "{{delay:500}} {{text:saw-" + item + "}}" }))));
      const verdict = await phase("Reduce", () => agent({ name: "Worker", task: "Combine: " + found.join(", ") + " {{text:reduced}}" }));
      return { count: found.length, verdict };`;
    const { client, session } = await runProgram("fan", program);
    const { events, threads } = await settled(client, session.id);
    expectWellFormedLog(events);
    expect(types(runEvents(events))).toEqual(RUN_OF_TWO_PHASES);
    // The program declared no phases: created knew the one it entered before its first wait.
    expect(ofType(events, "workflow_run.created")[0].phases.map((p) => p.name)).toEqual(["Read"]);
    const [read, reduce] = ofType(events, "workflow_run.phase_started");
    expect(reduce.workflow_run_phase_id).not.toBe(read.workflow_run_phase_id);
    expect(ofType(events, "workflow_run.status_ended")[0].result).toEqual({ type: "completed" });

    // Four readers created before their phase ended; the reducer only after it.
    const children = childThreads(threads);
    expect(children).toHaveLength(5);
    const at = (id: string) => events.findIndex((e) => e.id === id);
    const created = ofType(events, "session.thread_created").map((e) => at(e.id));
    expect(Math.max(...created.slice(0, 4))).toBeLessThan(at(ofType(events, "workflow_run.phase_ended")[0].id));
    expect(created[4]).toBeGreaterThan(at(ofType(events, "workflow_run.phase_ended")[0].id));

    // The reducer was handed every reader's result, in the program's order.
    const texts = await requestTexts(session.id);
    expect(texts.some((t) => t.includes("Combine: saw-alpha, saw-beta, saw-gamma, saw-delta"))).toBe(true);
    // The program's return value is the run's result, reported to the agent.
    expect(answersOf(events).at(-1)).toContain('{"count":4,"verdict":"reduced"}');
  });

  it("runs at most 8 of a run's agents at once: later calls wait for a report; declared phases are announced up front", async () => {
    const input = {
      name: "wide",
      phases: [{ name: "Read", description: "ten readers" }, { name: "Sum" }],
      program: 'const r = await phase("Read", () => Promise.all([...Array(10).keys()].map((i) => agent({ name: "Worker", task: "reader " + i })))); return await phase("Sum", async () => r.length + " reports");',
    };
    const fixture = await workflowSession();
    const { client, session } = fixture;
    await client.beta.sessions.events.send(session.id, { events: [say(`[[tool:start_workflow_run ${JSON.stringify(input)}]]`)] });
    const { events, threads } = await settled(client, session.id);
    const [created] = ofType(events, "workflow_run.created");
    expect(created.phases).toEqual([
      { id: expect.any(String), name: "Read", description: "ten readers" },
      { id: expect.any(String), name: "Sum", description: null },
    ]);
    expect(ofType(events, "workflow_run.phase_started").map((e) => e.workflow_run_phase_id)).toEqual(created.phases.map((p) => p.id));
    expect(childThreads(threads)).toHaveLength(10);
    // The 9th thread was created only once one of the first 8 had finished its turn.
    const at = (id: string) => events.findIndex((e) => e.id === id);
    const spawned = ofType(events, "session.thread_created").map((e) => at(e.id));
    const firstDone = events.findIndex((e) => e.type === "session.thread_status_idle");
    expect(firstDone).toBeGreaterThan(spawned[7]);
    expect(spawned[8]).toBeGreaterThan(firstDone);
    expect(answersOf(events).at(-1)).toContain("10 reports");
  });

  it("branches on an agent's result: only the branch the program chose runs", async () => {
    const program = `
      const answer = await agent({ name: "Worker", task: "Is it ready? {{text:yes, ready}}" });
      if (answer.includes("yes")) return "shipped: " + (await agent({ name: "Worker", task: "Ship it {{text:done shipping}}" }));
      return "held: " + (await agent({ name: "Worker", task: "Hold it {{text:held back}}" }));`;
    const { client, session } = await runProgram("branch", program);
    const { events, threads } = await settled(client, session.id);
    expect(childThreads(threads)).toHaveLength(2);
    const texts = await requestTexts(session.id);
    expect(texts.some((t) => t.includes("Ship it"))).toBe(true);
    expect(texts.some((t) => t.includes("Hold it"))).toBe(false);
    expect(answersOf(events).at(-1)).toContain("shipped: done shipping");
  });

  it("a program that throws, or waits on nothing, ends the run with program_error naming why", async () => {
    const program = `const first = await agent({ name: "Worker", task: "{{text:nothing found}}" }); if (!first.includes("found 1")) throw new Error("no results in: " + first); return first;`;
    const { client, session } = await runProgram("fails", program);
    const { events } = await settled(client, session.id);
    expect(types(runEvents(events))).toEqual(["workflow_run.created", "workflow_run.status_running", "workflow_run.error", "workflow_run.status_ended"]);
    const error = ofType(events, "workflow_run.error")[0].error;
    expect(error).toEqual({ type: "program_error", message: "the program threw Error: no results in: nothing found" });
    expect(ofType(events, "workflow_run.status_ended")[0].result).toEqual({ type: "error", error });
    expect(answersOf(events).at(-1)).toContain("ended with program_error");

    // A program waiting on something no agent call will ever settle cannot go on either.
    const stuck = await runProgram("stuck", `await new Promise(() => {}); return "never";`);
    const after = await settled(stuck.client, stuck.session.id);
    expect(ofType(after.events, "workflow_run.error")[0].error).toEqual({ type: "program_error", message: "the program waits on a promise that no agent call settles" });
  });

  it("a program that loops forever, eats memory or recurses without end ends with program_error at that limit; one that is not JavaScript is refused", async () => {
    const { client, session } = await runProgram("spin", `await phase("Spin", async () => { while (true) {} });`);
    const { events } = await settled(client, session.id);
    expect(types(runEvents(events))).toEqual(["workflow_run.created", "workflow_run.status_running", "workflow_run.phase_started", "workflow_run.phase_ended", "workflow_run.error", "workflow_run.status_ended"]);
    expect(ofType(events, "workflow_run.error")[0].error).toEqual({ type: "program_error", message: expect.stringContaining("CPU limit") });

    const hungry = await runProgram("hungry", `const all = []; while (true) all.push("x".repeat(1000000) + all.length);`);
    const ate = await settled(hungry.client, hungry.session.id);
    expect(ofType(ate.events, "workflow_run.error")[0].error).toEqual({ type: "program_error", message: expect.stringContaining("memory limit of 16777216 bytes") });

    const deep = await runProgram("deep", `const down = (n) => [n].map((x) => down(x + 1))[0]; return down(0);`);
    const fell = await settled(deep.client, deep.session.id);
    expect(ofType(fell.events, "workflow_run.error")[0].error).toEqual({ type: "program_error", message: expect.stringContaining("stack limit of 131072 bytes") });

    const broken = await runProgram("broken", "return agent({ name: ");
    const refused = await waitForIdle(broken.client, broken.session.id);
    expect(runEvents(refused)).toEqual([
      expect.objectContaining({ type: "workflow_run.error", workflow_run_id: null, error: { type: "program_error", message: expect.stringContaining("does not compile: SyntaxError") } }),
    ]);
    expect(ofType(refused, "agent.tool_result")[0].is_error).toBe(true);
    expect(await threadsOf(broken.client, broken.session.id)).toHaveLength(1);
  });

  it("a crash mid-run resumes by replay: finished agents are not run again, the run completes", async () => {
    const program = `
      const first = await agent({ name: "Worker", task: "First {{text:first done}}" });
      const second = await agent({ name: "Worker", task: "Second after " + first + " {{slow:60}} {{text:second done}}" });
      return first + " / " + second;`;
    const { client, session } = await runProgram("resume", program);
    // Crash while the second agent works (the first has reported).
    await expect
      .poll(
        async () => {
          const children = childThreads(await threadsOf(client, session.id));
          if (children.length < 2) return false;
          const own = await collect(client.beta.sessions.threads.events.list(children[1].id, { session_id: session.id }));
          return types(own).includes("span.model_request_start");
        },
        { timeout: 10_000, interval: 10 },
      )
      .toBe(true);
    await crash(session.id);

    const { events, threads } = await settled(client, session.id, 1, 20_000);
    expectWellFormedLog(events);
    expect(childThreads(threads)).toHaveLength(2);
    expect(ofType(events, "workflow_run.status_ended")).toEqual([expect.objectContaining({ result: { type: "completed" } })]);
    expect(answersOf(events).at(-1)).toContain("first done / second done");
    // The first agent's model was asked once: the replay took its report from the journal.
    const texts = await requestTexts(session.id);
    expect(texts.filter((t) => t.includes("First ") && !t.includes("Second"))).toHaveLength(1);
    const state = await runInDurableObject(stubOf(session.id), (instance) => instance.inspect());
    const [run] = Object.values(state!.threads!.workflows!.runs);
    expect(run.calls.map((c) => c.report)).toEqual(["first done", "second done"]);
  });

  it("a program's run still times out, and still stops when the agent stops it", async () => {
    const { client, session } = await runProgram("late", `return await agent({ name: "Worker", task: "{{delay:4000}} {{text:too late}}" });`, 1);
    const { events, threads } = await settled(client, session.id, 1, 20_000);
    expect(ofType(events, "workflow_run.error")[0].error).toMatchObject({ type: "timeout_error" });
    expect(childThreads(threads).map((t) => t.status)).toEqual(["terminated"]);

    const stopped = await workflowSession();
    const say2 = `[[program:long return await agent({ name: "Worker", task: "{{delay:4000}} {{text:too late}}" });]][[next]][[stop_workflow:last]]`;
    await stopped.client.beta.sessions.events.send(stopped.session.id, { events: [say(say2)] });
    const after = await settled(stopped.client, stopped.session.id);
    expect(ofType(after.events, "workflow_run.status_ended")[0].result).toEqual({ type: "stopped" });
    expect(childThreads(after.threads).map((t) => t.status)).toEqual(["terminated"]);
  });
});
