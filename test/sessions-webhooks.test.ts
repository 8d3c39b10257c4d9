import type Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it, vi } from "vitest";
import type { WebhookDeliveryRecord } from "../src/webhooks/deliveries";
import type { IdPage } from "../src/webhooks/page";
import { lookupTool, say, sessionTenant, waitForIdle } from "./helpers/sessions";

const BETA = "webhooks-2026-10-07";

async function queuedTypes(client: Anthropic, endpointId: string) {
  const page = await client.get<IdPage<WebhookDeliveryRecord>>(`/v1/organizations/webhooks/${endpointId}/deliveries`, {
    query: { limit: 100 },
    headers: { "anthropic-beta": BETA },
  });
  return page.data.map((d) => d.event_type).reverse();
}

describe("sessions: webhooks", () => {
  it("announces the session's lifecycle and every status change, in order", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [lookupTool] });
    const endpoint = await client.beta.organization.webhooks.create({
      url: "https://receiver.test/hooks",
      enabled_events: [
        "session.created",
        "session.running",
        "session.idled",
        "session.requires_action",
        "session.updated",
        "session.archived",
        "session.deleted",
      ] as unknown as Anthropic.Beta.Organization.WebhookCreateParams["enabled_events"],
    });
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      initial_events: [say('[[tool:lookup {"q":"x"}]]')],
    });
    const use = (await waitForIdle(client, session.id)).find((e) => e.type === "agent.custom_tool_use")!;
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.custom_tool_result", custom_tool_use_id: use.id }] });
    await waitForIdle(client, session.id, 2);
    await client.beta.sessions.update(session.id, { title: "t" });
    await client.beta.sessions.update(session.id, { title: "t" }); // no change: no event
    await client.beta.sessions.archive(session.id);
    await client.beta.sessions.archive(session.id); // already archived: no event
    await client.beta.sessions.delete(session.id);
    await vi.waitFor(async () =>
      expect(await queuedTypes(client, endpoint.id)).toEqual([
        "session.created",
        "session.running",
        "session.idled",
        "session.requires_action",
        "session.running",
        "session.idled",
        "session.updated",
        "session.archived",
        "session.deleted",
      ]),
    );
  });

  it("a session that has looked up its workspace's endpoints sees an endpoint created, changed or deleted after", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("first: no endpoint yet")] });
    await waitForIdle(client, session.id); // the session has read (and kept) "no endpoints"
    const endpoint = await client.beta.organization.webhooks.create({
      url: "https://receiver.test/hooks",
      enabled_events: ["session.idled"] as unknown as Anthropic.Beta.Organization.WebhookCreateParams["enabled_events"],
    });
    await client.beta.sessions.events.send(session.id, { events: [say("second")] });
    await waitForIdle(client, session.id, 2);
    await vi.waitFor(async () => expect(await queuedTypes(client, endpoint.id)).toEqual(["session.idled"]));
    await client.beta.organization.webhooks.update(endpoint.id, {
      enabled_events: ["session.running"] as unknown as Anthropic.Beta.Organization.WebhookUpdateParams["enabled_events"],
    });
    await client.beta.sessions.events.send(session.id, { events: [say("third")] });
    await waitForIdle(client, session.id, 3);
    await vi.waitFor(async () => expect(await queuedTypes(client, endpoint.id)).toEqual(["session.idled", "session.running"]));
  });
});
