import { describe, expect, it } from "vitest";
import { lookupTool, modelRequests, say, sessionTenant, types, waitForIdle } from "./helpers/sessions";

// The default window is 200k tokens, compacting at 80%: the fake model's `[[usage:in=N]]` reports a request
// that filled it, which is what the brain measures.
describe("sessions: context compaction", () => {
  it("summarises earlier turns once a request nears the window, then continues from the summary", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[usage:in=170000,out=10]]the secret word is tangerine")] });
    await waitForIdle(client, session.id);
    await client.beta.sessions.events.send(session.id, { events: [say("second question")] });
    const events = await waitForIdle(client, session.id, 2);
    expect(types(events).slice(-8)).toEqual([
      "user.message",
      "session.status_running",
      "agent.thread_context_compacted",
      "span.model_request_start",
      "agent.message",
      "span.model_request_end",
      "session.usage",
      "session.status_idle",
    ]);
    const compacted = events.find((e) => e.type === "agent.thread_context_compacted")!;
    expect(Object.keys(compacted).sort()).toEqual(["id", "processed_at", "type"]);

    const requests = await modelRequests(session.id);
    // First turn, the summary request (over the first turn only), then the turn on the summary.
    expect(requests).toHaveLength(3);
    expect(requests[1].system).toMatch(/^You summarize/);
    expect(JSON.stringify(requests[1].messages)).toContain("tangerine");
    expect(JSON.stringify(requests[1].messages)).not.toContain("second question");
    const after = requests[2].messages;
    expect(after).toHaveLength(1);
    expect(after[0].content[0].text).toMatch(/^Summary of the earlier conversation:/);
    expect(after[0].content[1].text).toBe("second question");
    expect(JSON.stringify(after)).not.toContain("tangerine");

    // The next turn fits again: no second compaction, and the summary stays in front.
    await client.beta.sessions.events.send(session.id, { events: [say("third")] });
    const later = await waitForIdle(client, session.id, 3);
    expect(later.filter((e) => e.type === "agent.thread_context_compacted")).toHaveLength(1);
    const last = (await modelRequests(session.id)).at(-1);
    expect(last.messages[0].content[0].text).toMatch(/^Summary of the earlier conversation:/);
    expect(last.messages.at(-1).content.at(-1).text).toBe("third");
  });

  it("ends the turn with compaction_limit_reached_error when one turn alone fills the window", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [lookupTool] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('[[usage:in=190000,out=10]][[tool:lookup {"q":"x"}]][[next]][[text:never]]')] });
    const first = await waitForIdle(client, session.id);
    const toolUse = first.find((e) => e.type === "agent.custom_tool_use")!;
    await client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.custom_tool_result", custom_tool_use_id: toolUse.id, content: [{ type: "text", text: "a huge result" }] }],
    });
    const events = await waitForIdle(client, session.id, 2);
    expect(events.at(-3)).toMatchObject({ type: "session.error", error: { type: "compaction_limit_reached_error", retry_status: { type: "exhausted" } } });
    expect(events.at(-2)).toMatchObject({ type: "session.usage" });
    expect(events.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "retries_exhausted" } });
    expect(events.some((e) => e.type === "agent.thread_context_compacted")).toBe(false);
    expect(await modelRequests(session.id)).toHaveLength(1);
  });
});
