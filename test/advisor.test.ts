import type Anthropic from "@anthropic-ai/sdk";
import type { BetaManagedAgentsSessionEvent } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { describe, expect, it, vi } from "vitest";
import { collect } from "./helpers/assertions";
import { newTenant } from "./helpers/client";
import { allEvents, modelRequests, say, waitForIdle } from "./helpers/sessions";

type Event = BetaManagedAgentsSessionEvent;
type AgentCreate = Parameters<Anthropic["beta"]["agents"]["create"]>[0];

const ADVISOR_MODEL = "claude-fake-advisor";
const BETA = "advisor-tool-2026-03-01";
const advisorTool = { type: "advisor_20260301", name: "advisor", model: ADVISOR_MODEL };

/** A tenant with `agent` and a session of it. */
async function sessionOf(agent: Partial<AgentCreate>) {
  const tenant = await newTenant();
  const { client } = tenant;
  const created = await client.beta.agents.create({ name: "Lead", model: "claude-fake-1", ...agent } as AgentCreate);
  const environment = await client.beta.environments.create({ name: `env-${crypto.randomUUID()}` });
  const session = await client.beta.sessions.create({ agent: created.id, environment_id: environment.id });
  return { ...tenant, agent: created, environment, session };
}

/** Waits until the session and every thread are idle (a multiagent session's status derives from its threads). */
async function settled(client: Anthropic, sessionId: string, idles = 1) {
  return vi.waitFor(
    async () => {
      const threads = await collect(client.beta.sessions.threads.list(sessionId));
      for (const thread of threads) expect(["idle", "terminated"]).toContain(thread.status);
      const events = await allEvents(client, sessionId);
      expect(events.filter((e) => e.type === "session.status_idle").length).toBeGreaterThanOrEqual(idles);
      expect(events.at(-1)!.type).toBe("session.status_idle");
      return events;
    },
    { timeout: 10_000, interval: 25 },
  );
}

const texts = (events: Event[]) => events.filter((e) => e.type === "agent.message").map((e: any) => e.content.map((b: any) => b.text).join(""));
const offersAdvisor = (request: any) => (request.tools ?? []).some((t: any) => t.name === "advisor");

describe("multiagent advisor", () => {
  it("shows the resolved advisor on the session, as the agent configured it (both forms)", async () => {
    const modern = await sessionOf({ multiagent: { type: "multiagent_20261001", advisor: { type: "enabled", model: ADVISOR_MODEL } } });
    expect(modern.agent.multiagent).toMatchObject({ type: "multiagent_20261001", advisor: { type: "enabled", model: ADVISOR_MODEL } });
    expect(modern.session.agent.multiagent).toMatchObject({ type: "multiagent_20261001", advisor: { type: "enabled", model: ADVISOR_MODEL } });
    expect((await modern.client.beta.sessions.retrieve(modern.session.id)).agent.multiagent).toEqual(modern.session.agent.multiagent);

    const { client } = await newTenant();
    const worker = await client.beta.agents.create({ name: "Worker", model: "claude-fake-1" });
    const lead = await client.beta.agents.create({
      name: "Lead",
      model: "claude-fake-1",
      multiagent: { type: "coordinator", agents: [{ type: "advisor", model: ADVISOR_MODEL }, worker.id] },
    });
    const environment = await client.beta.environments.create({ name: `env-${crypto.randomUUID()}` });
    const session = await client.beta.sessions.create({ agent: lead.id, environment_id: environment.id });
    expect(session.agent.multiagent).toMatchObject({
      type: "coordinator",
      agents: [
        { type: "advisor", model: ADVISOR_MODEL },
        { type: "agent", id: worker.id, version: 1, name: "Worker" },
      ],
    });
    expect((session.agent.multiagent as any).agents[0]).toEqual({ type: "advisor", model: ADVISOR_MODEL });
  });

  it("is offered to the primary thread only; its call and result become events and are replayed verbatim", async () => {
    const { client } = await newTenant();
    const worker = await client.beta.agents.create({ name: "Worker", model: "claude-fake-1" });
    const lead = await client.beta.agents.create({
      name: "Lead",
      model: "claude-fake-1",
      multiagent: { type: "coordinator", agents: [worker.id, { type: "advisor", model: ADVISOR_MODEL }] },
    });
    const environment = await client.beta.environments.create({ name: `env-${crypto.randomUUID()}` });
    const session = await client.beta.sessions.create({ agent: lead.id, environment_id: environment.id });

    await client.beta.sessions.events.send(session.id, { events: [say("[[advisor:the plan]][[text:noted]]")] });
    await settled(client, session.id);
    await client.beta.sessions.events.send(session.id, { events: [say("[[spawn:Worker {{advisor:my part}}]]")] });
    const events = await vi.waitFor(
      async () => {
        const all = await settled(client, session.id, 2);
        expect(JSON.stringify(all)).toContain("advisor is not offered");
        return all;
      },
      { timeout: 10_000, interval: 50 },
    );

    const uses = events.filter((e) => e.type === "agent.tool_use" && (e as any).name === "advisor") as any[];
    expect(uses).toHaveLength(1);
    expect(uses[0]).toMatchObject({ name: "advisor", input: {}, evaluated_permission: "allow" });
    const results = events.filter((e) => e.type === "agent.tool_result" && (e as any).tool_use_id === uses[0].id);
    expect(results).toEqual([
      expect.objectContaining({ is_error: false, content: [{ type: "text", text: `Advice from ${ADVISOR_MODEL} on the plan: go ahead.` }] }),
    ]);
    expect(texts(events)[0]).toBe("noted");

    const requests = await modelRequests(session.id);
    const isChild = (r: any) => JSON.stringify(r.messages[0]).includes("Message from the coordinator");
    const primary = requests.filter((r) => !isChild(r));
    const child = requests.filter(isChild);
    expect(primary.length).toBeGreaterThanOrEqual(2);
    expect(child.length).toBeGreaterThanOrEqual(1);
    for (const r of primary) {
      expect(r.tools.find((t: any) => t.name === "advisor")).toEqual(advisorTool);
      expect(r.anthropic_beta).toContain(BETA);
    }
    for (const r of child) {
      expect(offersAdvisor(r)).toBe(false);
      expect(r.anthropic_beta ?? []).not.toContain(BETA);
    }

    // The second turn's request replays the first answer's server blocks exactly as the upstream sent them.
    const replayed = primary[1].messages[1];
    expect(replayed.role).toBe("assistant");
    const callId = replayed.content[0].id;
    expect(replayed.content).toEqual([
      { type: "server_tool_use", id: callId, name: "advisor", input: {} },
      {
        type: "advisor_tool_result",
        tool_use_id: callId,
        content: { type: "advisor_result", text: `Advice from ${ADVISOR_MODEL} on the plan: go ahead.`, stop_reason: "end_turn" },
      },
      { type: "text", text: "noted" },
    ]);
    expect(callId).toMatch(/^srvtoolu_fake_adv_/);
  });

  it("works without threads (advisor only) and reports an advisor error as a failed tool result", async () => {
    const { client, session } = await sessionOf({
      multiagent: { type: "multiagent_20261001", advisor: { type: "enabled", model: ADVISOR_MODEL }, subagents: { type: "disabled" }, workflows: { type: "disabled" } },
    });
    expect(await collect(client.beta.sessions.threads.list(session.id))).toHaveLength(1);
    await client.beta.sessions.events.send(session.id, { events: [say("[[advisor:!overloaded]][[text:carrying on]]")] });
    await waitForIdle(client, session.id);
    await client.beta.sessions.events.send(session.id, { events: [say("again")] });
    const events = await waitForIdle(client, session.id, 2);
    const use = events.find((e) => e.type === "agent.tool_use") as any;
    expect(use).toMatchObject({ name: "advisor" });
    expect(events.find((e) => e.type === "agent.tool_result")).toMatchObject({
      tool_use_id: use.id,
      is_error: true,
      content: [{ type: "text", text: "advisor_tool_result_error: overloaded" }],
    });
    expect(texts(events)).toEqual(["carrying on", "Echo: again"]);
    const [first, second] = await modelRequests(session.id);
    expect(first.tools).toEqual([advisorTool]);
    expect(first.anthropic_beta).toEqual([BETA]);
    expect(second.messages[1].content[1]).toMatchObject({ type: "advisor_tool_result", content: { type: "advisor_tool_result_error", error_code: "overloaded" } });
  });

  it("is not offered to an agent without multiagent, nor when the advisor is disabled", async () => {
    const plain = await sessionOf({});
    await plain.client.beta.sessions.events.send(plain.session.id, { events: [say("[[advisor:anything]]")] });
    expect(texts(await waitForIdle(plain.client, plain.session.id))[0]).toContain("advisor is not offered");
    const [plainRequest] = await modelRequests(plain.session.id);
    expect(offersAdvisor(plainRequest)).toBe(false);
    expect(plainRequest.anthropic_beta).toBeUndefined();

    // Enabled, then disabled by an update: sessions of the new version go without it.
    const { client, agent, environment } = await sessionOf({
      multiagent: { type: "multiagent_20261001", advisor: { type: "enabled", model: ADVISOR_MODEL } },
    });
    const updated = await client.beta.agents.update(agent.id, { version: agent.version, multiagent: { type: "multiagent_20261001", advisor: { type: "disabled" } } });
    expect(updated.multiagent).toMatchObject({ advisor: { type: "disabled" } });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    expect(session.agent.multiagent).toMatchObject({ type: "multiagent_20261001", advisor: { type: "disabled" } });
    await client.beta.sessions.events.send(session.id, { events: [say("[[advisor:anything]]")] });
    const events = await settled(client, session.id);
    expect(texts(events)[0]).toContain("advisor is not offered");
    expect(events.some((e) => e.type === "agent.tool_use")).toBe(false);
    const requests = await modelRequests(session.id);
    expect(requests.length).toBeGreaterThanOrEqual(1);
    for (const r of requests) {
      expect(offersAdvisor(r)).toBe(false);
      expect(r.anthropic_beta).toBeUndefined();
    }
  });
});
