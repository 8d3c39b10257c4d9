import { describe, expect, it } from "vitest";
import Anthropic from "@anthropic-ai/sdk";
import { bearerClient, createEnvironmentKey, decodeSecret, queue, revokeEnvironmentKey } from "./helpers/hands";
import { expectApiError } from "./helpers/assertions";
import { allEvents, say, selfHosted, sessionTenant, waitForIdle } from "./helpers/sessions";

const BETA = { "anthropic-beta": "managed-agents-2026-04-01" };

/** A session on a self-hosted environment whose work item a worker polled: the hands' sessions token. */
async function handsOfSession(agent: Parameters<typeof sessionTenant>[0] = {}) {
  const tenant = await sessionTenant(agent, selfHosted);
  const { client, workspaceId, environment } = tenant;
  const session = await client.beta.sessions.create({ agent: tenant.agent.id, environment_id: environment.id });
  const key = await createEnvironmentKey(client, environment.id);
  const worker = bearerClient(key.key);
  await queue(environment.id).enqueueSession({ workspaceId, environmentId: environment.id, sessionId: session.id });
  const work = await worker.beta.environments.work.poll(environment.id);
  const hands = bearerClient(decodeSecret(work!.secret!).sessions_token);
  return { ...tenant, session, key, hands };
}

describe("a sessions token given to the hands", () => {
  it("posts only tool results: no user.message, no confirmation of its own always_ask call, nothing appended", async () => {
    const { client, session, hands } = await handsOfSession({
      tools: [{ type: "agent_toolset_20260401", default_config: { permission_policy: { type: "always_ask" } } }],
    });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:bash {"command":"echo hi"}]]')] });
    const held = await waitForIdle(client, session.id);
    const use = held.find((e) => e.type === "agent.tool_use")!;
    const before = (await allEvents(client, session.id)).length;

    await expectApiError(hands.beta.sessions.events.send(session.id, { events: [say("I am the user now")] }), 403, "permission_error");
    await expectApiError(
      hands.beta.sessions.events.send(session.id, { events: [{ type: "user.tool_confirmation", tool_use_id: use.id, result: "allow" }] }),
      403,
      "permission_error",
    );
    await expectApiError(hands.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] }), 403, "permission_error");
    expect((await allEvents(client, session.id)).length).toBe(before);
    // What the hands are for still works: reading their session.
    expect((await hands.beta.sessions.retrieve(session.id)).id).toBe(session.id);
  });

  it("dies with the environment key that polled it", async () => {
    const { client, session, environment, key, hands } = await handsOfSession();
    expect((await hands.beta.sessions.retrieve(session.id)).id).toBe(session.id);
    await revokeEnvironmentKey(client, environment.id, key.id);
    await expect(hands.beta.sessions.retrieve(session.id)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it("dies when its environment is archived", async () => {
    const { client, session, environment, hands } = await handsOfSession();
    expect((await hands.beta.sessions.retrieve(session.id)).id).toBe(session.id);
    await client.post(`/v1/environments/${environment.id}/archive`, { headers: BETA });
    await expect(hands.beta.sessions.retrieve(session.id)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });
});
