import { describe, expect, it } from "vitest";
import { allEvents, expectRejected, modelRequests, say, sessionTenant, types, waitForIdle } from "../helpers/sessions";

const system = (text: string) => ({ type: "system.message" as const, content: [{ type: "text" as const, text }] });

/** `system.message` as the SDK types it (`BetaManagedAgentsSystemMessageEventParams`). */
describe("system.message", () => {
  it("is logged and joins the system context of this turn and the next ones, after the agent's own prompt", async () => {
    const { client, agent, environment } = await sessionTenant({ system: "You are terse." });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const sent = await client.beta.sessions.events.send(session.id, { events: [say("hi"), system("Answer in French.")] });
    expect(sent.data!.map((e) => e.type)).toEqual(["user.message", "system.message"]);
    await waitForIdle(client, session.id);
    await client.beta.sessions.events.send(session.id, { events: [say("again")] });
    const events = await waitForIdle(client, session.id, 2);
    expect(events.find((e) => e.type === "system.message")).toMatchObject({ content: [{ type: "text", text: "Answer in French." }] });
    const requests = await modelRequests(session.id);
    expect(requests).toHaveLength(2);
    for (const request of requests) expect(JSON.stringify(request.system)).toBe(JSON.stringify("You are terse.\n\nAnswer in French."));
  });

  it("refuses a misplaced one with a 400 naming the rule, and writes nothing of the batch", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const send = (events: any[]) => client.beta.sessions.events.send(session.id, { events });
    await expectRejected(send([system("alone")]), 400, "invalid_request_error", /immediately follow/);
    await expectRejected(send([system("first"), say("hi")]), 400, "invalid_request_error", /last event/);
    await expectRejected(send([say("hi"), system("a"), system("b")]), 400, "invalid_request_error", /at most one/);
    await expectRejected(send([say("hi"), { type: "system.message", content: [{ type: "image" }] }]), 400, "invalid_request_error", /content/);
    expect(types(await allEvents(client, session.id))).toEqual([]);
  });
});
