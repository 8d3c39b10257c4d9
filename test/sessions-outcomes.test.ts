import { describe, expect, it } from "vitest";
import { expectRejected, modelRequests, say, sessionTenant, types, waitForEvents, waitForIdle } from "./helpers/sessions";

const outcome = (rubric: string, max_iterations?: number) => ({
  type: "user.define_outcome" as const,
  description: "Write a haiku about the sea",
  rubric: { type: "text" as const, content: rubric },
  ...(max_iterations ? { max_iterations } : {}),
});

describe("sessions: outcomes", () => {
  it("grades the agent's work, feeds needs_revision back, and ends satisfied; retrieve shows the evaluation", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      initial_events: [outcome("Three lines, 5-7-5. [[grade:needs_revision,satisfied]]")],
    });
    const events = await waitForIdle(client, session.id);
    expect(types(events)).toEqual([
      "user.define_outcome",
      "session.status_running",
      "span.model_request_start",
      "agent.message",
      "span.model_request_end",
      "span.outcome_evaluation_start",
      "span.outcome_evaluation_ongoing",
      "span.outcome_evaluation_end",
      "span.model_request_start",
      "agent.message",
      "span.model_request_end",
      "span.outcome_evaluation_start",
      "span.outcome_evaluation_ongoing",
      "span.outcome_evaluation_end",
      "session.usage",
      "session.status_idle",
    ]);
    const defined = events[0] as any;
    expect(defined).toMatchObject({ outcome_id: expect.stringMatching(/^outc_/), max_iterations: 3, description: "Write a haiku about the sea" });
    const starts = events.filter((e) => e.type === "span.outcome_evaluation_start") as any[];
    const ends = events.filter((e) => e.type === "span.outcome_evaluation_end") as any[];
    expect(ends.map((e) => [e.iteration, e.result, e.outcome_evaluation_start_id, e.outcome_id])).toEqual([
      [0, "needs_revision", starts[0].id, defined.outcome_id],
      [1, "satisfied", starts[1].id, defined.outcome_id],
    ]);
    expect(ends[0].usage.input_tokens).toBeGreaterThan(0);
    // The agent saw the task, then the grader's feedback as its next user turn.
    const agentCalls = (await modelRequests(session.id)).filter((r) => r.system === undefined);
    expect(JSON.stringify(agentCalls[0].messages)).toContain("Write a haiku about the sea");
    expect(JSON.stringify(agentCalls[1].messages.at(-1))).toContain("iteration 0: needs_revision");

    const retrieved = await client.beta.sessions.retrieve(session.id);
    expect(retrieved.outcome_evaluations).toEqual([
      {
        type: "outcome_evaluation",
        outcome_id: defined.outcome_id,
        description: "Write a haiku about the sea",
        iteration: 1,
        result: "satisfied",
        explanation: "iteration 1: satisfied",
        completed_at: expect.any(String),
      },
    ]);
  });

  it("stops at max_iterations with one acknowledgment turn, and a later message runs an ordinary turn", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [outcome("[[grade:needs_revision]]", 2)] });
    const events = await waitForIdle(client, session.id);
    const ends = events.filter((e) => e.type === "span.outcome_evaluation_end") as any[];
    expect(ends.map((e) => e.result)).toEqual(["needs_revision", "max_iterations_reached"]);
    // Revision, then the final acknowledgment: three agent answers, no third evaluation.
    expect(events.filter((e) => e.type === "agent.message")).toHaveLength(3);
    expect((await client.beta.sessions.retrieve(session.id)).outcome_evaluations).toMatchObject([{ result: "max_iterations_reached", iteration: 1 }]);

    await client.beta.sessions.events.send(session.id, { events: [say("thanks")] });
    const after = await waitForIdle(client, session.id, 2);
    expect(after.filter((e) => e.type === "span.outcome_evaluation_start")).toHaveLength(2);
  });

  it("ends the outcome as interrupted on user.interrupt, and refuses a second open outcome or bad params", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [{ ...outcome("[[grade:satisfied]]"), description: "Slowly [[delay:3000]]" }] });
    await waitForEvents(client, session.id, (e) => e.type === "span.model_request_start");
    await expectRejected(client.beta.sessions.events.send(session.id, { events: [outcome("x")] }), 400, "invalid_request_error", /still open/);
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] });
    await waitForIdle(client, session.id);
    expect((await client.beta.sessions.retrieve(session.id)).outcome_evaluations).toMatchObject([{ result: "interrupted", completed_at: expect.any(String) }]);

    await expectRejected(client.beta.sessions.events.send(session.id, { events: [outcome("x", 21)] }), 400, "invalid_request_error", /max_iterations/);
    await expectRejected(
      client.beta.sessions.events.send(session.id, { events: [{ type: "user.define_outcome", description: "x" } as any] }),
      400,
      "invalid_request_error",
      /rubric/,
    );
  });
});
