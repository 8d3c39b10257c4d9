import { describe, expect, it } from "vitest";
import { expectRejected, say, sessionTenant, types, waitForIdle, allEvents } from "../helpers/sessions";

/**
 * How a session ends, as the SDK reports it: archiving terminates it (`status: terminated`, one
 * `session.status_terminated`), and a deleted session's open streams see it terminate before `session.deleted`.
 * The official worker and the session tool runner stop on either.
 */
describe("session termination", () => {
  it("archiving terminates the session: status terminated, session.status_terminated in the log and on the stream", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("hello")] });
    await waitForIdle(client, session.id);
    const stream = await client.beta.sessions.events.stream(session.id);

    const archived = await client.beta.sessions.archive(session.id);
    expect(archived.status).toBe("terminated");
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("terminated");
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(event.type);
      if (event.type === "session.status_terminated") break;
    }
    expect(seen).toEqual(["session.status_terminated"]);
    const log = types(await allEvents(client, session.id));
    expect(log.filter((t) => t === "session.status_terminated")).toHaveLength(1);

    // Archiving again changes nothing, and a terminated session takes no input.
    await client.beta.sessions.archive(session.id);
    expect(types(await allEvents(client, session.id)).filter((t) => t === "session.status_terminated")).toHaveLength(1);
    await expectRejected(client.beta.sessions.events.send(session.id, { events: [say("again")] }), 400, "invalid_request_error", /terminated|archived/);
    expect((await client.beta.sessions.list({ include_archived: true })).data.find((s) => s.id === session.id)?.status).toBe("terminated");
  });

  it("deleting a session ends its open streams with session.status_terminated, then session.deleted", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const stream = await client.beta.sessions.events.stream(session.id);
    await client.beta.sessions.delete(session.id);
    const seen: string[] = [];
    for await (const event of stream) seen.push(event.type);
    expect(seen).toEqual(["session.status_terminated", "session.deleted"]);
  });
});
