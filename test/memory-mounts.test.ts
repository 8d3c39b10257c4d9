import type Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { collect } from "./helpers/assertions";
import { expectRejected, modelRequests, say, sessionTenant, waitForIdle } from "./helpers/sessions";

type Client = Anthropic;
type ToolResult = { type: "agent.tool_result"; is_error?: boolean; content: Array<{ text: string }> };

const cloud = { config: { type: "cloud" as const } };
const toolset = { tools: [{ type: "agent_toolset_20260401" as const }] };
const tool = (name: string, input: unknown) => `[[tool:${name} ${JSON.stringify(input)}]]`;

/** Runs one turn whose model makes these tool calls one step each, and returns the turn's tool results. */
async function turn(client: Client, sessionId: string, calls: string[], nth = 1) {
  await client.beta.sessions.events.send(sessionId, { events: [say([...calls, "[[text:done]]"].join(" [[next]] "))] });
  const log = await waitForIdle(client, sessionId, nth, 30_000);
  const results = log.filter((e) => e.type === "agent.tool_result") as unknown as ToolResult[];
  return results.slice(-calls.length).map((r) => ({ error: Boolean(r.is_error), text: r.content.map((b) => b.text).join("") }));
}

async function contents(client: Client, storeId: string) {
  const memories = await collect(client.beta.memoryStores.memories.list(storeId, { view: "full" }));
  return Object.fromEntries(memories.map((m) => [(m as { path: string }).path, (m as { content: string | null }).content]));
}

async function setup() {
  const tenant = await sessionTenant(toolset, cloud);
  const { client } = tenant;
  const notes = await client.beta.memoryStores.create({ name: "Team Notes", description: "What the team learned" });
  const style = await client.beta.memoryStores.create({ name: "Style guide" });
  await client.beta.memoryStores.memories.create(notes.id, { path: "/facts.md", content: "the sky is green\n" });
  await client.beta.memoryStores.memories.create(style.id, { path: "/rules/tabs.md", content: "use tabs\n" });
  const session = await client.beta.sessions.create({
    agent: tenant.agent.id,
    environment_id: tenant.environment.id,
    resources: [
      { type: "memory_store", memory_store_id: notes.id, instructions: "Keep one fact per file." },
      { type: "memory_store", memory_store_id: style.id, access: "read_only" },
    ],
  });
  return { ...tenant, notes, style, session };
}

describe("memory stores mounted in a cloud session", () => {
  it("shows each store's name and mount path on the session's resources", async () => {
    const { client, notes, style, session } = await setup();
    expect(session.resources).toEqual([
      expect.objectContaining({ type: "memory_store", memory_store_id: notes.id, name: "Team Notes", mount_path: "/mnt/memory/team-notes", access: "read_write", description: "What the team learned", instructions: "Keep one fact per file." }),
      expect.objectContaining({ type: "memory_store", memory_store_id: style.id, name: "Style guide", mount_path: "/mnt/memory/style-guide", access: "read_only", description: "", instructions: null }),
    ]);
    const listed = await collect(client.beta.sessions.resources.list(session.id));
    expect(listed.map((r) => (r as { mount_path?: string }).mount_path)).toEqual(["/mnt/memory/team-notes", "/mnt/memory/style-guide"]);
  });

  it("lets the agent read, write and edit the writable store, saving versions the session wrote", async () => {
    const { client, notes, session } = await setup();
    const results = await turn(client, session.id, [
      tool("read", { file_path: "/mnt/memory/team-notes/facts.md" }),
      tool("bash", { command: "cat /mnt/memory/style-guide/rules/tabs.md && ls /mnt/memory" }),
      tool("write", { file_path: "/mnt/memory/team-notes/people/ada.md", content: "Ada likes tea\n" }),
      tool("edit", { file_path: "/mnt/memory/team-notes/facts.md", old_string: "green", new_string: "blue" }),
      tool("bash", { command: "echo 'deploys on friday' > /mnt/memory/team-notes/deploys.md" }),
      tool("grep", { pattern: "tea", path: "/mnt/memory/team-notes" }),
    ]);
    expect(results).toEqual([
      { error: false, text: "the sky is green\n" },
      { error: false, text: "use tabs\nstyle-guide\nteam-notes" },
      { error: false, text: "wrote 14 bytes to /mnt/memory/team-notes/people/ada.md" },
      { error: false, text: "edited /mnt/memory/team-notes/facts.md (1 replacement(s))" },
      { error: false, text: "(no output)" },
      { error: false, text: "/mnt/memory/team-notes/people/ada.md:1:Ada likes tea" },
    ]);
    expect(await contents(client, notes.id)).toEqual({
      "/deploys.md": "deploys on friday\n",
      "/facts.md": "the sky is blue\n",
      "/people/ada.md": "Ada likes tea\n",
    });
    const versions = await collect(client.beta.memoryStores.memoryVersions.list(notes.id));
    const bySession = versions.filter((v) => v.created_by?.type === "session_actor");
    expect(bySession.map((v) => [v.operation, v.path, (v.created_by as { session_id?: string }).session_id]).sort()).toEqual([
      ["created", "/deploys.md", session.id],
      ["created", "/people/ada.md", session.id],
      ["modified", "/facts.md", session.id],
    ]);
  });

  it("refuses writes into the read-only store, with the tools and with bash, and changes nothing", async () => {
    const { client, style, session } = await setup();
    const results = await turn(client, session.id, [
      tool("write", { file_path: "/mnt/memory/style-guide/new.md", content: "x" }),
      tool("edit", { file_path: "/mnt/memory/style-guide/rules/tabs.md", old_string: "tabs", new_string: "spaces" }),
      tool("bash", { command: "echo spaces > /mnt/memory/style-guide/rules/tabs.md" }),
      tool("bash", { command: "rm /mnt/memory/style-guide/rules/tabs.md" }),
      tool("bash", { command: "cat /mnt/memory/style-guide/rules/tabs.md; ls /mnt/memory/style-guide" }),
      tool("bash", { command: "ln -s /mnt/memory/style-guide/rules/tabs.md /workspace/tabs-link.md" }),
      tool("write", { file_path: "tabs-link.md", content: "spaces\n" }),
    ]);
    expect(results.slice(0, 2)).toEqual([
      { error: true, text: "write: /mnt/memory/style-guide/new.md is inside read-only directory /mnt/memory/style-guide" },
      { error: true, text: "edit: /mnt/memory/style-guide/rules/tabs.md is inside read-only directory /mnt/memory/style-guide" },
    ]);
    expect(results[2].error).toBe(true);
    expect(results[2].text).toMatch(/read-only file system/i);
    expect(results[3].error).toBe(true);
    expect(results[4]).toEqual({ error: false, text: "use tabs\nrules" });
    // A link elsewhere does not lead a write into the read-only mount.
    expect(results[6]).toEqual({ error: true, text: "write: tabs-link.md: read-only file system" });
    expect(await contents(client, style.id)).toEqual({ "/rules/tabs.md": "use tabs\n" });
    const versions = await collect(client.beta.memoryStores.memoryVersions.list(style.id));
    expect(versions).toHaveLength(1);
  });

  it("brings changes made through the API into the mount before the next tool call, and saves deletions", async () => {
    const { client, notes, session } = await setup();
    await turn(client, session.id, [tool("bash", { command: "cat /mnt/memory/team-notes/facts.md" })]);
    const [facts] = (await collect(client.beta.memoryStores.memories.list(notes.id))) as Array<{ id: string }>;
    await client.beta.memoryStores.memories.update(facts.id, { memory_store_id: notes.id, content: "the sky is grey\n" });
    await client.beta.memoryStores.memories.create(notes.id, { path: "/added.md", content: "from the API\n" });
    const results = await turn(
      client,
      session.id,
      [tool("bash", { command: "cat /mnt/memory/team-notes/facts.md /mnt/memory/team-notes/added.md" }), tool("bash", { command: "rm /mnt/memory/team-notes/facts.md" })],
      2,
    );
    expect(results[0]).toEqual({ error: false, text: "the sky is grey\nfrom the API" });
    expect(await contents(client, notes.id)).toEqual({ "/added.md": "from the API\n" });
    const deleted = (await collect(client.beta.memoryStores.memoryVersions.list(notes.id))).find((v) => v.operation === "deleted");
    expect(deleted?.created_by).toEqual({ type: "session_actor", session_id: session.id });
  });

  it("does not save a file the store refuses (over 100 KiB), and says so", async () => {
    const { client, notes, session } = await setup();
    const big = "a".repeat(102_401);
    const [result] = await turn(client, session.id, [tool("write", { file_path: "/mnt/memory/team-notes/big.md", content: big })]);
    expect(result.error).toBe(true);
    expect(result.text).toContain("/mnt/memory/team-notes/big.md: not saved to memory store \"Team Notes\"");
    expect(result.text).toContain("102400");
    expect(Object.keys(await contents(client, notes.id))).toEqual(["/facts.md"]);
    const [after] = await turn(client, session.id, [tool("bash", { command: "ls /mnt/memory/team-notes" })], 2);
    expect(after).toEqual({ error: false, text: "facts.md" });
  });

  it("describes each mount in the system prompt the model receives", async () => {
    const { client, session } = await setup();
    await turn(client, session.id, []);
    const [request] = await modelRequests(session.id);
    const system = typeof request.system === "string" ? request.system : request.system.map((b: { text: string }) => b.text).join("\n");
    expect(system).toContain("## Team Notes\n- Mounted at: /mnt/memory/team-notes\n- Access: read_write");
    expect(system).toContain("- Description: What the team learned\n- Instructions: Keep one fact per file.");
    expect(system).toContain("## Style guide\n- Mounted at: /mnt/memory/style-guide\n- Access: read_only");
  });
});

describe("memory store attachments", () => {
  it("gives stores with the same name distinct mount paths", async () => {
    const { client, agent, environment } = await sessionTenant(toolset, cloud);
    const a = await client.beta.memoryStores.create({ name: "Notes" });
    const b = await client.beta.memoryStores.create({ name: "notes" });
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      resources: [
        { type: "memory_store", memory_store_id: a.id },
        { type: "memory_store", memory_store_id: b.id },
      ],
    });
    expect(session.resources.map((r) => (r as { mount_path: string }).mount_path)).toEqual(["/mnt/memory/notes", `/mnt/memory/notes-${b.id}`]);
  });

  it("refuses more than 8 stores, the same store twice, and instructions over 4096 characters, on sessions and deployments", async () => {
    const { client, agent, environment } = await sessionTenant(toolset, cloud);
    const stores = await Promise.all(Array.from({ length: 9 }, (_, i) => client.beta.memoryStores.create({ name: `s${i}` })));
    const attach = (ids: string[], instructions?: string) =>
      client.beta.sessions.create({
        agent: agent.id,
        environment_id: environment.id,
        resources: ids.map((id) => ({ type: "memory_store" as const, memory_store_id: id, instructions })),
      });
    await expectRejected(attach(stores.map((s) => s.id)), 400, "invalid_request_error", /at most 8 memory stores \(got 9\)/);
    await expectRejected(attach([stores[0].id, stores[0].id]), 400, "invalid_request_error", /attached more than once/);
    await expectRejected(attach([stores[0].id], "x".repeat(4097)), 400, "invalid_request_error", /instructions/);
    const sessions = await collect(client.beta.sessions.list());
    expect(sessions).toHaveLength(0);
    // A deployment's sessions must be able to take its stores: it is held to the same rules when created.
    const deploy = (ids: string[]) =>
      client.beta.deployments.create({
        name: "nightly",
        agent: agent.id,
        environment_id: environment.id,
        initial_events: [say("go")],
        resources: ids.map((id) => ({ type: "memory_store" as const, memory_store_id: id })),
      });
    await expectRejected(deploy(stores.map((s) => s.id)), 400, "invalid_request_error", /resources: a session can have at most 8 memory stores \(got 9\)/);
    await expectRejected(deploy([stores[0].id, stores[0].id]), 400, "invalid_request_error", /attached more than once/);
  });
});
