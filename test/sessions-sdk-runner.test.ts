import { betaTool } from "@anthropic-ai/sdk/helpers/beta/json-schema";
import { describe, expect, it } from "vitest";
import { lookupTool, say, selfHosted, sessionTenant, types, waitForIdle } from "./helpers/sessions";

// The SDK's own session tool runner (stream + history reconcile + result posting) driven against this server:
// the contract as its most demanding client uses it.
describe("sessions: the SDK's SessionToolRunner", () => {
  it("executes custom and built-in tool calls locally and posts the results until the turn ends", async () => {
    // Self-hosted: the runner is the hands (as inside the SDK's EnvironmentWorker).
    const { client, agent, environment } = await sessionTenant({ tools: [lookupTool, { type: "agent_toolset_20260401" }] }, selfHosted);
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const lookup = betaTool({
      name: "lookup",
      description: "Look a thing up",
      inputSchema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
      run: ({ q }) => `found ${q}`,
    });
    const bash = betaTool({
      name: "bash",
      description: "Run a command",
      inputSchema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
      run: ({ command }) => `ran ${command}`,
    });
    const runner = client.beta.sessions.events.toolRunner(session.id, { tools: [lookup, bash], maxIdleMs: 300 });
    const calls: { name: string; result: unknown }[] = [];
    const done = (async () => {
      for await (const call of runner) calls.push({ name: call.name, result: call.result });
    })();
    await client.beta.sessions.events.send(session.id, {
      events: [say('[[tool:lookup {"q":"order"}]] [[next]] [[tool:bash {"command":"ls"}]] [[next]] [[text:all done]]')],
    });
    await done;
    expect(calls.map((c) => c.name)).toEqual(["lookup", "bash"]);
    const events = await waitForIdle(client, session.id, 2);
    expect(types(events).filter((t) => t.startsWith("user."))).toEqual(["user.message", "user.custom_tool_result", "user.tool_result"]);
    expect((events.filter((e) => e.type === "agent.message").pop() as any).content[0].text).toBe("all done");
    expect(events[events.length - 1]).toMatchObject({ stop_reason: { type: "end_turn" } });
  });
});
