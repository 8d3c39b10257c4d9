import { describe, expect, it } from "vitest";
import { collect } from "./helpers/assertions";
import { expectRejected, lookupTool, modelRequests, say, sessionTenant, types, waitForEvents, waitForIdle } from "./helpers/sessions";

// Sonnet list prices: $3 / MTok input, $15 / MTok output; cache reads 0.1x input, 5-minute writes 1.25x.
const PRICED = "claude-sonnet-4-6";
const budget = (cents: string) => ({ type: "limit" as const, max_list_cost: { amount: cents, currency: "USD" as const } });
const idleStops = (events: any[]) => events.filter((e) => e.type === "session.status_idle").map((e) => e.stop_reason.type);

describe("sessions: budgets", () => {
  it("renders the budget and counts list cost exactly, rounding the rendered amount up to the cent", async () => {
    const { client, agent, environment } = await sessionTenant({ model: PRICED });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, budget: budget("1000") });
    expect(session.budget).toEqual(budget("1000"));
    // 10k in, 1k out, 10k cache read, 10k cache write (5m) = 3.0 + 1.5 + 0.3 + 3.75 = 8.55 cents.
    await client.beta.sessions.events.send(session.id, { events: [say("[[usage:in=10000,out=1000,cache_read=10000,cache_write=10000]]")] });
    await waitForIdle(client, session.id);
    const after = await client.beta.sessions.retrieve(session.id);
    expect(after.usage).toMatchObject({ input_tokens: 10000, output_tokens: 1000, list_cost: { amount: "9", currency: "USD" } });
    // A second identical call: 17.1 cents exactly, so 18 (not 9 + 9 rounded twice).
    await client.beta.sessions.events.send(session.id, { events: [say("[[usage:in=10000,out=1000,cache_read=10000,cache_write=10000]]")] });
    await waitForIdle(client, session.id, 2);
    expect((await client.beta.sessions.retrieve(session.id)).usage.list_cost).toEqual({ amount: "18", currency: "USD" });
    expect((await collect(client.beta.sessions.list())).find((s) => s.id === session.id)!.budget).toEqual(budget("1000"));
  });

  it("stops a turn with budget_reached before the next model request once the cost reaches the limit", async () => {
    const { client, agent, environment } = await sessionTenant({ model: PRICED, tools: [lookupTool] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, budget: budget("1") });
    // 2000 in + 400 out = 0.6 + 0.6 = 1.2 cents: over the 1 cent budget after the first call.
    await client.beta.sessions.events.send(session.id, {
      events: [say('[[usage:in=2000,out=400]][[tool:lookup {"q":"x"}]][[next]][[text:never sent]]')],
    });
    const first = await waitForIdle(client, session.id);
    const toolUse = first.find((e) => e.type === "agent.custom_tool_use")!;
    expect(idleStops(first)).toEqual(["requires_action"]);

    await client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.custom_tool_result", custom_tool_use_id: toolUse.id, content: [{ type: "text", text: "found" }] }],
    });
    const events = await waitForIdle(client, session.id, 2);
    expect(idleStops(events)).toEqual(["requires_action", "budget_reached"]);
    // The snapshot before the budget_reached idle shows why: the cost past the cap it carries.
    expect(events.at(-2)).toMatchObject({ type: "session.usage", usage: { list_cost: { amount: "2", currency: "USD" } }, budget: budget("1") });
    expect(events.some((e) => e.type === "agent.message")).toBe(false);
    expect(await modelRequests(session.id)).toHaveLength(1);
    expect((await client.beta.sessions.retrieve(session.id))).toMatchObject({ status: "idle", usage: { list_cost: { amount: "2" } } });

    // Every later turn stops the same way, without calling the model.
    await client.beta.sessions.events.send(session.id, { events: [say("again")] });
    const later = await waitForIdle(client, session.id, 3);
    expect(types(later).slice(-4)).toEqual(["user.message", "session.status_running", "session.usage", "session.status_idle"]);
    expect(idleStops(later).at(-1)).toBe("budget_reached");
    expect(await modelRequests(session.id)).toHaveLength(1);
  });

  it("leaves sessions without a budget uncapped", async () => {
    const { client, agent, environment } = await sessionTenant({ model: PRICED });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    expect(session.budget).toBeNull();
    await client.beta.sessions.events.send(session.id, { events: [say("[[usage:in=50000,out=50000]]")] });
    await waitForIdle(client, session.id);
    await client.beta.sessions.events.send(session.id, { events: [say("[[usage:in=0,out=0]]more")] });
    const events = await waitForEvents(client, session.id, (e) => e.type === "session.status_idle", { count: 2 });
    expect(idleStops(events)).toEqual(["end_turn", "end_turn"]);
    expect((await client.beta.sessions.retrieve(session.id)).usage.list_cost).toEqual({ amount: "90", currency: "USD" });
  });

  it("rejects malformed budgets, unpriced models and budget changes, writing nothing", async () => {
    const { client, agent, environment } = await sessionTenant({ model: PRICED });
    const create = (b: unknown) => client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, budget: b as any });
    await expectRejected(create(budget("2.50")), 400, "invalid_request_error", /budget\.max_list_cost\.amount/);
    await expectRejected(create({ ...budget("100"), max_list_cost: { amount: "100", currency: "EUR" } }), 400, "invalid_request_error", /currency/);
    await expectRejected(create({ type: "unlimited" }), 400, "invalid_request_error", /budget/);
    const unpriced = await client.beta.agents.create({ name: "fake", model: "claude-fake-1" });
    await expectRejected(
      client.beta.sessions.create({ agent: unpriced.id, environment_id: environment.id, budget: budget("100") }),
      400,
      "invalid_request_error",
      /model_not_budgetable/,
    );
    expect(await collect(client.beta.sessions.list())).toEqual([]);

    const session = await create(budget("100"));
    await expectRejected(client.beta.sessions.update(session.id, { budget: budget("200") }), 400, "invalid_request_error", /budget/);
    expect((await client.beta.sessions.retrieve(session.id)).budget).toEqual(budget("100"));
  });
});
