import { toFile } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { collect, expectApiError } from "./helpers/assertions";
import { newTenant } from "./helpers/client";
import { expectRejected, say, sessionTenant, waitForIdle } from "./helpers/sessions";

const upload = async (client: Awaited<ReturnType<typeof newTenant>>["client"], text: string, name = "notes.txt") =>
  client.beta.files.upload({ file: await toFile(new TextEncoder().encode(text), name, { type: "text/plain" }) });

async function setup() {
  const tenant = await sessionTenant();
  const { client, agent, environment } = tenant;
  const first = await upload(client, "first");
  const session = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    resources: [
      { type: "file", file_id: first.id },
      { type: "github_repository", url: "https://github.com/acme/app.git", authorization_token: "ghp_old" },
    ],
  });
  return { ...tenant, session, first };
}

describe("sessions: resources mid-session", () => {
  it("adds, lists (every page), retrieves and deletes file resources, reflected on the session", async () => {
    const { client, session, first } = await setup();
    const [fileResource, repo] = session.resources as any[];
    const second = await upload(client, "second");
    const added = await client.beta.sessions.resources.add(session.id, { type: "file", file_id: second.id, mount_path: "/data/second.txt" });
    expect(added).toEqual({
      type: "file",
      id: expect.stringMatching(/^sesrsc_/),
      file_id: second.id,
      mount_path: "/mnt/session/uploads/data/second.txt",
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const defaulted = await client.beta.sessions.resources.add(session.id, { type: "file", file_id: first.id, mount_path: "/workspace/copy.txt" });

    const pages: string[][] = [];
    for await (const page of (await client.beta.sessions.resources.list(session.id, { limit: 2 })).iterPages()) pages.push(page.data.map((r: any) => r.id));
    expect(pages).toEqual([[fileResource.id, repo.id], [added.id, defaulted.id]]);
    expect(await client.beta.sessions.resources.retrieve(added.id, { session_id: session.id })).toEqual(added);
    expect((await client.beta.sessions.retrieve(session.id)).resources.map((r: any) => r.id)).toEqual([fileResource.id, repo.id, added.id, defaulted.id]);

    expect(await client.beta.sessions.resources.delete(added.id, { session_id: session.id })).toEqual({ id: added.id, type: "session_resource_deleted" });
    await expectApiError(client.beta.sessions.resources.retrieve(added.id, { session_id: session.id }), 404, "not_found_error");
    await expectApiError(client.beta.sessions.resources.delete(added.id, { session_id: session.id }), 404, "not_found_error");
    expect((await collect(client.beta.sessions.resources.list(session.id))).map((r: any) => r.id)).toEqual([fileResource.id, repo.id, defaulted.id]);
  });

  it("rotates a repository's token without ever echoing it, and refuses tokens for other resources", async () => {
    const { client, session } = await setup();
    const [fileResource, repo] = session.resources as any[];
    const updated = await client.beta.sessions.resources.update(repo.id, { session_id: session.id, authorization_token: "ghp_new" });
    expect(updated).toMatchObject({ id: repo.id, type: "github_repository", url: "https://github.com/acme/app.git" });
    expect(JSON.stringify(updated)).not.toContain("ghp_");
    expect(JSON.stringify(await collect(client.beta.sessions.resources.list(session.id)))).not.toContain("ghp_");
    await expectRejected(
      client.beta.sessions.resources.update(fileResource.id, { session_id: session.id, authorization_token: "ghp_x" }),
      400,
      "invalid_request_error",
      /authorization_token/,
    );
  });

  it("validates adds and writes nothing on a bad one; another tenant sees none of it", async () => {
    const { client, session, first } = await setup();
    const before = (await collect(client.beta.sessions.resources.list(session.id))) as Array<{ id: string }>;
    await expectRejected(client.beta.sessions.resources.add(session.id, { type: "file", file_id: "file_nope" }), 404, "not_found_error");
    await expectRejected(
      client.beta.sessions.resources.add(session.id, { type: "file", file_id: first.id, mount_path: "../escape.txt" }),
      400,
      "invalid_request_error",
      /mount_path/,
    );
    await expectRejected(
      client.beta.sessions.resources.add(session.id, { type: "github_repository", file_id: first.id } as any),
      400,
      "invalid_request_error",
      /type/,
    );
    // The same mount path twice would shadow one file with another.
    await expectRejected(
      client.beta.sessions.resources.add(session.id, { type: "file", file_id: first.id }),
      400,
      "invalid_request_error",
      /mount_path/,
    );
    expect(await collect(client.beta.sessions.resources.list(session.id))).toEqual(before);

    const other = await newTenant();
    await expectApiError(other.client.beta.sessions.resources.list(session.id), 404, "not_found_error");
    await expectApiError(other.client.beta.sessions.resources.retrieve(before[0].id!, { session_id: session.id }), 404, "not_found_error");
    await expectApiError(other.client.beta.sessions.resources.delete(before[0].id!, { session_id: session.id }), 404, "not_found_error");
    await expectApiError(other.client.beta.sessions.resources.add(session.id, { type: "file", file_id: first.id, mount_path: "/x" }), 404, "not_found_error");
    expect(await collect(client.beta.sessions.resources.list(session.id))).toEqual(before);

    await client.beta.sessions.archive(session.id);
    await expectRejected(client.beta.sessions.resources.add(session.id, { type: "file", file_id: first.id, mount_path: "/y" }), 400, "invalid_request_error", /archived/);
  });

  it("copies a file added mid-session into the cloud sandbox at its mount path before the next tool use", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:bash {"command":"ls /workspace"}]][[next]][[text:ok]]')] });
    await waitForIdle(client, session.id);

    const file = await upload(client, "added while running\n");
    await client.beta.sessions.resources.add(session.id, { type: "file", file_id: file.id, mount_path: "/data/notes.txt" });
    await client.beta.sessions.events.send(session.id, {
      events: [say('[[tool:bash {"command":"cat /mnt/session/uploads/data/notes.txt"}]][[next]][[text:read it]]')],
    });
    const events = await waitForIdle(client, session.id, 2, 20_000);
    const results = events.filter((e) => e.type === "agent.tool_result") as any[];
    expect(results.at(-1)).toMatchObject({ is_error: false, content: [{ type: "text", text: "added while running" }] });
  });
});
