import { toFile } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { expectRejected, say, sessionTenant, waitForIdle } from "../helpers/sessions";

/**
 * Anthropic's "Adding files": a `file` resource's `mount_path` is read under /mnt/session/uploads
 * (`mount_path: "/data.csv"` → `/mnt/session/uploads/data.csv`), whether written relative to it or in full.
 */
describe("file resources: mount_path", () => {
  it("resolves every form under /mnt/session/uploads, and the cloud sandbox finds the file there", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] });
    const upload = async (text: string) => client.beta.files.upload({ file: await toFile(new Blob([text]), "data.csv", { type: "text/csv" }) });
    const [a, b, c, d, e] = await Promise.all(["a,1", "b,2", "c,3", "d,4", "e,5"].map(upload));
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      resources: [
        { type: "file", file_id: a.id, mount_path: "/data.csv" },
        { type: "file", file_id: b.id, mount_path: "reports/q1.csv" },
        { type: "file", file_id: c.id, mount_path: "/mnt/session/uploads/full.csv" },
        { type: "file", file_id: d.id, mount_path: "/x/./y//z.csv" },
        { type: "file", file_id: e.id },
      ],
    });
    expect((session.resources as Array<{ mount_path: string }>).map((r) => r.mount_path)).toEqual([
      "/mnt/session/uploads/data.csv",
      "/mnt/session/uploads/reports/q1.csv",
      "/mnt/session/uploads/full.csv",
      "/mnt/session/uploads/x/y/z.csv",
      `/mnt/session/uploads/${e.id}`,
    ]);
    await client.beta.sessions.events.send(session.id, {
      events: [say('[[tool:bash {"command":"cat /mnt/session/uploads/data.csv /mnt/session/uploads/reports/q1.csv"}]][[next]][[text:ok]]')],
    });
    const events = await waitForIdle(client, session.id, 1, 20_000);
    expect(events.find((ev) => ev.type === "agent.tool_result")).toMatchObject({ is_error: false, content: [{ text: expect.stringContaining("a,1") }] });
    expect(JSON.stringify(events.find((ev) => ev.type === "agent.tool_result"))).toContain("b,2");

    const added = await client.beta.sessions.resources.add(session.id, { type: "file", file_id: a.id, mount_path: "late.csv" });
    expect(added.mount_path).toBe("/mnt/session/uploads/late.csv");
    await expectRejected(client.beta.sessions.resources.add(session.id, { type: "file", file_id: a.id, mount_path: "/../etc/passwd" }), 400, "invalid_request_error", /mount_path: .* leaves/);
    await expectRejected(client.beta.sessions.resources.add(session.id, { type: "file", file_id: a.id, mount_path: "/mnt/session/uploads/" }), 400, "invalid_request_error", /mount_path/);
  });
});
