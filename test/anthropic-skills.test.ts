import { toFile } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { collect, expectApiError } from "./helpers/assertions";
import { newTenant } from "./helpers/client";
import { say, sessionTenant, waitForIdle } from "./helpers/sessions";

describe("Anthropic skills on agents", () => {
  it("are accepted with version resolved to latest (pins kept), and only custom skills reach the sandbox", async () => {
    const { client, agent, environment } = await sessionTenant({
      tools: [{ type: "agent_toolset_20260401" }],
      skills: [
        { type: "anthropic", skill_id: "xlsx" },
        { type: "anthropic", skill_id: "pdf", version: "20251013" },
      ],
    });
    expect(agent.skills).toEqual([
      { type: "anthropic", skill_id: "xlsx", version: "latest" },
      { type: "anthropic", skill_id: "pdf", version: "20251013" },
    ]);
    expect((await client.beta.agents.retrieve(agent.id)).skills).toEqual(agent.skills);

    const skillMd = "---\nname: greeter\ndescription: Greets people\n---\nSay hello.\n";
    const custom = await client.beta.skills.create({ files: [await toFile(new TextEncoder().encode(skillMd), "greeter/SKILL.md")] });
    const withBoth = await client.beta.agents.update(agent.id, {
      version: agent.version,
      skills: [{ type: "anthropic", skill_id: "xlsx" }, { type: "custom", skill_id: custom.id }],
    });
    const session = await client.beta.sessions.create({ agent: withBoth.id, environment_id: environment.id });
    expect(session.agent.skills).toEqual([
      { type: "anthropic", skill_id: "xlsx", version: "latest" },
      { type: "custom", skill_id: custom.id, version: "latest" },
    ]);
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:bash {"command":"ls /workspace/skills"}]][[next]][[text:ok]]')] });
    const events = await waitForIdle(client, session.id, 1, 20_000);
    expect(events.find((e) => e.type === "agent.tool_result")).toMatchObject({ is_error: false, content: [{ text: "greeter" }] });
    expect(events.filter((e) => e.type === "session.error")).toEqual([]);
    // Nothing pretends to host them.
    expect((await client.beta.skills.list({ source: "anthropic" })).data).toEqual([]);
  });

  it("reject malformed references with no agent written, and stay per tenant", async () => {
    const { client, agent } = await sessionTenant({ skills: [{ type: "anthropic", skill_id: "docx" }] });
    const before = (await collect(client.beta.agents.list())).length;
    for (const skills of [
      [{ type: "anthropic" }],
      [{ type: "anthropic", skill_id: "" }],
      [{ type: "anthropic", skill_id: "xlsx", extra: true }],
      [{ type: "anthropic", skill_id: "xlsx" }, { type: "anthropic", skill_id: "xlsx", version: "1" }],
      [{ type: "hosted", skill_id: "xlsx" }],
    ]) {
      await expectApiError(client.beta.agents.create({ name: "bad", model: "claude-fake-1", skills: skills as any }), 400, "invalid_request_error");
    }
    expect((await collect(client.beta.agents.list())).length).toBe(before);
    const other = await newTenant();
    await expectApiError(other.client.beta.agents.retrieve(agent.id), 404, "not_found_error");
  });
});
