import { toFile } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { say, sessionTenant, waitForIdle } from "./helpers/sessions";

const md = (name: string) => `---\nname: ${name}\ndescription: Greets people.\n---\n\n# Greeter\nSay hello to ${name}.\n`;

describe("skills in cloud sandboxes", () => {
  it("writes the session agent's skills where the SDK worker puts them: {workdir}/skills/<name>/", async () => {
    const tenant = await sessionTenant();
    const { client } = tenant;
    const skill = await client.beta.skills.create({
      files: [
        await toFile(new TextEncoder().encode(md("greeter")), "greeter/SKILL.md"),
        await toFile(new TextEncoder().encode("echo hi\n"), "greeter/scripts/hi.sh"),
      ],
    });
    const agent = await client.beta.agents.create({
      name: "skilled",
      model: "claude-fake-1",
      tools: [{ type: "agent_toolset_20260401" }],
      skills: [{ type: "custom", skill_id: skill.id }],
    });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: tenant.environment.id });
    await client.beta.sessions.events.send(session.id, {
      events: [say(`[[tool:bash ${JSON.stringify({ command: "cat /workspace/skills/greeter/SKILL.md; ls skills/greeter/scripts" })}]]`)],
    });
    const events = await waitForIdle(client, session.id, 1, 20_000);
    const result = events.find((e) => e.type === "agent.tool_result") as { is_error?: boolean; content: Array<{ text: string }> };
    expect(result.is_error).toBeFalsy();
    expect(result.content[0].text).toBe(`${md("greeter").replace(/\n$/, "")}\nhi.sh`);
  });
});
