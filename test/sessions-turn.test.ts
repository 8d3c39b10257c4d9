import { describe, expect, it } from "vitest";
import {
  allEvents,
  expectWellFormedLog,
  lookupTool,
  modelRequests,
  say,
  selfHosted,
  sessionTenant,
  types,
  waitForEvents,
  waitForIdle,
} from "./helpers/sessions";

describe("sessions: a turn", () => {
  it("runs a full turn: running, model span, thinking, message, idle end_turn, usage", async () => {
    const { client, agent, environment } = await sessionTenant({ system: "You are terse." });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    expect(session.status).toBe("idle");
    expect(session.id).toMatch(/^sesn_/);

    const sent = await client.beta.sessions.events.send(session.id, { events: [say("Hello there [[thinking]]")] });
    expect(sent.data).toHaveLength(1);
    expect(sent.data![0]).toMatchObject({ type: "user.message", content: [{ type: "text", text: "Hello there [[thinking]]" }] });
    expect(sent.data![0].id).toMatch(/^sevt_/);

    const events = await waitForIdle(client, session.id);
    expect(types(events)).toEqual([
      "user.message",
      "session.status_running",
      "span.model_request_start",
      "agent.thinking",
      "agent.message",
      "span.model_request_end",
      "session.usage",
      "session.status_idle",
    ]);
    expectWellFormedLog(events);
    const [, , start, thinking, message, end, usage, idle] = events as any[];
    expect(thinking).toEqual({ id: thinking.id, type: "agent.thinking", processed_at: thinking.processed_at });
    expect(message.content).toEqual([{ type: "text", text: "Echo: Hello there" }]);
    expect(end).toMatchObject({ model_request_start_id: start.id, is_error: false });
    expect(end.model_usage.input_tokens).toBeGreaterThan(0);
    expect(end.model_usage.output_tokens).toBeGreaterThan(0);
    expect(idle).toMatchObject({ stop_reason: { type: "end_turn" }, stop_details: null });
    expect(usage.usage).toMatchObject({ input_tokens: end.model_usage.input_tokens, output_tokens: end.model_usage.output_tokens });

    // The model saw the agent's model, system prompt and the conversation.
    const [request] = await modelRequests(session.id);
    expect(request).toMatchObject({ model: "claude-fake-1", system: "You are terse.", stream: true });
    expect(request.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Hello there [[thinking]]" }] }]);

    const after = await client.beta.sessions.retrieve(session.id);
    expect(after.status).toBe("idle");
    expect(after.usage.input_tokens).toBe(end.model_usage.input_tokens);
    expect(after.usage.output_tokens).toBe(end.model_usage.output_tokens);
    expect(after.stats.active_seconds).toBeGreaterThan(0);
  });

  it("adds every model request's tokens, cache reads and writes included, to the session's usage", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      initial_events: [say("[[usage:in=100,out=20,cache_read=30,cache_write=40]]")],
    });
    await waitForIdle(client, session.id);
    await client.beta.sessions.events.send(session.id, { events: [say("[[usage:in=1,out=2,cache_read=3,cache_write=4]]")] });
    const events = await waitForIdle(client, session.id, 2);
    expect(events.filter((e) => e.type === "span.model_request_end").map((e: any) => e.model_usage)).toEqual([
      { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 30, cache_creation_input_tokens: 40 },
      { input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 3, cache_creation_input_tokens: 4 },
    ]);
    expect((await client.beta.sessions.retrieve(session.id)).usage).toEqual({
      input_tokens: 101,
      output_tokens: 22,
      cache_read_input_tokens: 33,
      cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 44 },
    });
  });

  it("keeps the conversation across turns, replaying thinking blocks with their signatures", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      initial_events: [say("first [[thinking:pondering]]")],
    });
    await waitForIdle(client, session.id);
    await client.beta.sessions.events.send(session.id, { events: [say("second")] });
    const events = await waitForIdle(client, session.id, 2);
    expect(events.filter((e) => e.type === "agent.message").map((e: any) => e.content[0].text)).toEqual([
      "Echo: first",
      "Echo: second",
    ]);
    const requests = await modelRequests(session.id);
    expect(requests).toHaveLength(2);
    expect(requests[1].messages).toEqual([
      { role: "user", content: [{ type: "text", text: "first [[thinking:pondering]]" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "pondering", signature: expect.stringMatching(/^sig_/) },
          { type: "text", text: "Echo: first" },
        ],
      },
      { role: "user", content: [{ type: "text", text: "second" }] },
    ]);
  });

  it("round-trips a custom tool: idle requires_action, result, then the model continues", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [lookupTool] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, {
      events: [say('find it [[tool:lookup {"q":"order 1234"}]] [[next]] [[text:It shipped.]]')],
    });
    let events = await waitForIdle(client, session.id);
    expect(types(events)).toEqual([
      "user.message",
      "session.status_running",
      "span.model_request_start",
      "agent.custom_tool_use",
      "span.model_request_end",
      "session.usage",
      "session.status_idle",
    ]);
    const use = events[3] as any;
    expect(use).toMatchObject({ type: "agent.custom_tool_use", name: "lookup", input: { q: "order 1234" } });
    expect(events[6]).toMatchObject({ stop_reason: { type: "requires_action", event_ids: [use.id] } });
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("idle");

    await client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.custom_tool_result", custom_tool_use_id: use.id, content: [{ type: "text", text: "shipped" }] }],
    });
    events = await waitForIdle(client, session.id, 2);
    expect(types(events).slice(7)).toEqual([
      "user.custom_tool_result",
      "session.status_running",
      "span.model_request_start",
      "agent.message",
      "span.model_request_end",
      "session.usage",
      "session.status_idle",
    ]);
    expect((events[10] as any).content[0].text).toBe("It shipped.");
    expect(events[13]).toMatchObject({ stop_reason: { type: "end_turn" } });
    expectWellFormedLog(events);

    // The model got the result under the tool use's id.
    const requests = await modelRequests(session.id);
    expect(requests[1].messages.slice(1)).toEqual([
      { role: "assistant", content: [{ type: "tool_use", id: use.id, name: "lookup", input: { q: "order 1234" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: [{ type: "text", text: "shipped" }] }] },
    ]);
  });

  it("waits for every result of parallel custom tool calls, re-announcing what is still pending", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [lookupTool] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('two [[tool:lookup {"q":"a"}]] [[tool:lookup {"q":"b"}]]')] });
    const events = await waitForIdle(client, session.id);
    const uses = events.filter((e) => e.type === "agent.custom_tool_use");
    expect(uses).toHaveLength(2);
    await client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.custom_tool_result", custom_tool_use_id: uses[1].id, content: [{ type: "text", text: "B" }] }],
    });
    const partial = await waitForIdle(client, session.id, 2);
    expect(partial[partial.length - 1]).toMatchObject({ stop_reason: { type: "requires_action", event_ids: [uses[0].id] } });
    await client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.custom_tool_result", custom_tool_use_id: uses[0].id, content: [{ type: "text", text: "A" }], is_error: true }],
    });
    const done = await waitForIdle(client, session.id, 3);
    const final = done.filter((e) => e.type === "agent.message").pop() as any;
    // Results go back in call order, whatever order they arrived in.
    expect(final.content[0].text).toBe("Done. Tool results: error(A), ok(B)");
  });

  it("asks before an always_ask tool: allow dispatches it, the result comes back as user.tool_result", async () => {
    const { client, agent, environment } = await sessionTenant(
      { tools: [{ type: "agent_toolset_20260401", default_config: { permission_policy: { type: "always_ask" } } }] },
      selfHosted,
    );
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('list [[tool:bash {"command":"ls"}]]')] });
    let events = await waitForIdle(client, session.id);
    const use = events.find((e) => e.type === "agent.tool_use") as any;
    expect(use).toMatchObject({
      name: "bash",
      input: { command: "ls" },
      evaluated_permission: "ask",
      evaluation: { type: "always_ask" },
    });
    expect(events[events.length - 1]).toMatchObject({ stop_reason: { type: "requires_action", event_ids: [use.id] } });

    // A result before the confirmation is refused.
    await expect(
      client.beta.sessions.events.send(session.id, { events: [{ type: "user.tool_result", tool_use_id: use.id, content: [] }] }),
    ).rejects.toMatchObject({ status: 400 });

    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.tool_confirmation", tool_use_id: use.id, result: "allow" }] });
    events = await waitForEvents(client, session.id, (e) => e.type === "session.status_running", { count: 2 });
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("running");

    // The hands (here: the client, as a self-hosted worker would) deliver the result.
    await client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.tool_result", tool_use_id: use.id, content: [{ type: "text", text: "a.txt" }] }],
    });
    events = await waitForIdle(client, session.id, 2);
    expect(types(events).slice(-8)).toEqual([
      "user.tool_confirmation",
      "session.status_running",
      "user.tool_result",
      "span.model_request_start",
      "agent.message",
      "span.model_request_end",
      "session.usage",
      "session.status_idle",
    ]);
    expect((events[events.length - 4] as any).content[0].text).toBe("Done. Tool results: ok(a.txt)");
  });

  it("asks before an always_ask tool: deny gives the model a denial result and never dispatches it", async () => {
    const { client, agent, environment } = await sessionTenant({
      tools: [
        {
          type: "agent_toolset_20260401",
          configs: [{ name: "bash", permission_policy: { type: "always_ask" } }],
        },
      ],
    });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('delete [[tool:bash {"command":"rm -rf /"}]]')] });
    const asked = await waitForIdle(client, session.id);
    const use = asked.find((e) => e.type === "agent.tool_use") as any;
    await expect(
      client.beta.sessions.events.send(session.id, {
        events: [{ type: "user.tool_confirmation", tool_use_id: use.id, result: "allow", deny_message: "no" }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    await client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.tool_confirmation", tool_use_id: use.id, result: "deny", deny_message: "Not on my watch." }],
    });
    const events = await waitForIdle(client, session.id, 2);
    const denial = events.find((e) => e.type === "agent.tool_result") as any;
    expect(denial).toMatchObject({ tool_use_id: use.id, is_error: true, content: [{ type: "text", text: "Not on my watch." }] });
    expect((events.filter((e) => e.type === "agent.message").pop() as any).content[0].text).toBe(
      "Done. Tool results: error(Not on my watch.)",
    );
    // A second verdict for the same call is refused.
    await expect(
      client.beta.sessions.events.send(session.id, { events: [{ type: "user.tool_confirmation", tool_use_id: use.id, result: "allow" }] }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it("hands an allowed built-in tool call to the hands and keeps running until its result arrives", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] }, selfHosted);
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:read {"file_path":"a.txt"}]]')] });
    let events = await waitForEvents(client, session.id, (e) => e.type === "span.model_request_end");
    const use = events.find((e) => e.type === "agent.tool_use") as any;
    expect(use).toMatchObject({
      name: "read",
      input: { file_path: "a.txt" },
      evaluated_permission: "allow",
      evaluation: { type: "always_allow" },
    });
    expect(types(events)).not.toContain("session.status_idle");
    // Still mid-turn: no usage snapshot until the session goes idle.
    expect(types(events)).not.toContain("session.usage");
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("running");

    // A message sent meanwhile waits for the next model request, after the tool result.
    await client.beta.sessions.events.send(session.id, { events: [say("also this")] });
    await client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.tool_result", tool_use_id: use.id, content: [{ type: "text", text: "hello" }] }],
    });
    events = await waitForIdle(client, session.id);
    expect(events.filter((e) => e.type === "session.status_idle")).toHaveLength(1);
    const requests = await modelRequests(session.id);
    expect(requests[1].messages[2]).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: use.id, content: [{ type: "text", text: "hello" }] },
        { type: "text", text: "also this" },
      ],
    });
    // The model was offered the toolset's tools with their input schemas (web_search as the API's server tool).
    expect(requests[0].tools.map((t: any) => t.name)).toEqual(["bash", "read", "write", "edit", "glob", "grep", "web_fetch", "web_search"]);
    expect(requests[0].tools.find((t: any) => t.name === "edit").input_schema.required).toEqual(["file_path", "old_string", "new_string"]);
  });

  it("runs built-in tools in a cloud environment's sandbox: the hands answer and the turn goes on", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, {
      events: [
        say(
          '[[tool:write {"file_path":"notes.txt","content":"remember the milk"}]] [[next]] ' +
            '[[tool:read {"file_path":"notes.txt"}]] [[next]] [[text:noted]]',
        ),
      ],
    });
    const events = await waitForIdle(client, session.id, 1, 20_000);
    const results = events.filter((e) => e.type === "agent.tool_result") as any[];
    expect(results).toHaveLength(2);
    expect(results.every((r) => !r.is_error)).toBe(true);
    expect(JSON.stringify(results[1].content)).toContain("remember the milk");
    expect(events[events.length - 1]).toMatchObject({ stop_reason: { type: "end_turn" } });
    expectWellFormedLog(events);
  });

  it("answers a call to a tool the agent does not have with an error result and carries on", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("[[tool:ghost {}]]")] });
    const events = await waitForIdle(client, session.id);
    expect(types(events)).toContain("agent.tool_result");
    expect(events.find((e) => e.type === "agent.tool_use")).toMatchObject({ name: "ghost", evaluated_permission: "deny" });
    expect(events[events.length - 1]).toMatchObject({ stop_reason: { type: "end_turn" } });
  });

  it("takes a message sent while the model is answering into the same turn", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("slow one [[slow:60]] [[text:a b c d e f g h i j k l]]")] });
    await waitForEvents(client, session.id, (e) => e.type === "span.model_request_start");
    await client.beta.sessions.events.send(session.id, { events: [say("and another thing")] });
    const events = await waitForIdle(client, session.id);
    expect(events.filter((e) => e.type === "session.status_idle")).toHaveLength(1);
    expect(events.filter((e) => e.type === "span.model_request_start")).toHaveLength(2);
    expect((events.filter((e) => e.type === "agent.message").pop() as any).content[0].text).toBe("Echo: and another thing");
    expect(await allEvents(client, session.id)).toEqual(events);
  });
});
