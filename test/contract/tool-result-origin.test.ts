import { describe, expect, it } from "vitest";
import { say, selfHosted, sessionTenant, types, waitForEvents, waitForIdle } from "../helpers/sessions";

/**
 * The SDK documents `user.tool_result` for results a self-hosted worker posts; a tool the server runs itself
 * (a cloud environment's toolset, an always_ask call included once confirmed) answers as `agent.tool_result`.
 */
describe("who a tool result belongs to", () => {
  it("a cloud environment's toolset answers with agent.tool_result", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:bash {"command":"echo hi"}]][[next]][[text:ok]]')] });
    const events = await waitForIdle(client, session.id, 1, 20_000);
    expect(types(events)).not.toContain("user.tool_result");
    expect(events.find((e) => e.type === "agent.tool_result")).toMatchObject({ is_error: false, content: [{ type: "text", text: "hi" }] });
  });

  it("a confirmed always_ask call the cloud sandbox runs answers with agent.tool_result", async () => {
    const { client, agent, environment } = await sessionTenant({
      tools: [{ type: "agent_toolset_20260401", default_config: { permission_policy: { type: "always_ask" } } }],
    });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:bash {"command":"echo asked"}]][[next]][[text:ok]]')] });
    const asked = await waitForIdle(client, session.id);
    const use = asked.find((e) => e.type === "agent.tool_use")!;
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.tool_confirmation", tool_use_id: use.id, result: "allow" }] });
    const events = await waitForEvents(client, session.id, (e) => e.type === "agent.message", { timeout: 20_000 });
    expect(types(events)).not.toContain("user.tool_result");
    expect(events.find((e) => e.type === "agent.tool_result")).toMatchObject({ tool_use_id: use.id, content: [{ text: "asked" }] });
  });

  it("a self-hosted worker's result stays user.tool_result", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] }, selfHosted);
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:bash {"command":"ls"}]]')] });
    const use = (await waitForEvents(client, session.id, (e) => e.type === "agent.tool_use")).find((e) => e.type === "agent.tool_use")!;
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.tool_result", tool_use_id: use.id, content: [{ type: "text", text: "a" }] }] });
    const events = await waitForIdle(client, session.id);
    expect(types(events)).toContain("user.tool_result");
    expect(types(events)).not.toContain("agent.tool_result");
  });
});
