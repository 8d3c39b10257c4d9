import { expect, vi } from "vitest";
import type Anthropic from "@anthropic-ai/sdk";
import { bash, runTurn, tool } from "./driver";
import type { Hands } from "./backends";
import { newSession, unique } from "./sessions";

async function contents(client: Anthropic, storeId: string) {
  const all: Record<string, string | null> = {};
  for await (const item of client.beta.memoryStores.memories.list(storeId, { view: "full" })) {
    if (item.type === "memory") all[item.path] = item.content ?? null;
  }
  return all;
}

/**
 * A read_write and a read_only memory store attached to a session: both are directories at their `mount_path`,
 * what the agent writes and edits in the writable one becomes memory versions the session wrote, and the file tools
 * refuse the read-only one. A self-hosted session gets this from the official worker's own sync, which saves on its
 * cadence or when it lets the session go: the store is polled until the changes arrive.
 */
export async function memoryStores(hands: Hands) {
  const { client } = hands;
  const tag = unique();
  const notes = await client.beta.memoryStores.create({ name: `Notes ${tag}` });
  const rules = await client.beta.memoryStores.create({ name: `Rules ${tag}` });
  await client.beta.memoryStores.memories.create(notes.id, { path: "/facts.md", content: "the sky is green\n" });
  await client.beta.memoryStores.memories.create(rules.id, { path: "/style.md", content: "use tabs\n" });
  const sessionId = await newSession(hands, {
    resources: [
      { type: "memory_store", memory_store_id: notes.id },
      { type: "memory_store", memory_store_id: rules.id, access: "read_only" },
    ],
  });
  const mounts = (await client.beta.sessions.retrieve(sessionId)).resources.map((r) => (r as { mount_path?: string }).mount_path);
  const [rw, ro] = [`/mnt/memory/notes-${tag}`, `/mnt/memory/rules-${tag}`];
  expect(mounts).toEqual([rw, ro]);

  const results = await runTurn(client, sessionId, [
    [bash(`cat ${rw}/facts.md ${ro}/style.md`)],
    [tool("read", { file_path: `${ro}/style.md` })],
    [tool("write", { file_path: `${rw}/people/ada.md`, content: "Ada likes tea\n" })],
    [tool("edit", { file_path: `${rw}/facts.md`, old_string: "green", new_string: "blue" })],
    [tool("write", { file_path: `${ro}/new.md`, content: "not allowed\n" })],
  ]);
  expect(results[0]).toMatchObject({ isError: false, text: "the sky is green\nuse tabs" });
  expect(results[1]).toMatchObject({ isError: false, text: expect.stringContaining("use tabs") });
  expect(results[2].isError).toBe(false);
  expect(results[3].isError).toBe(false);
  expect(results[4]).toMatchObject({ isError: true, text: `write: ${ro}/new.md is inside read-only directory ${ro}` });

  await vi.waitFor(async () => expect(await contents(client, notes.id)).toEqual({ "/facts.md": "the sky is blue\n", "/people/ada.md": "Ada likes tea\n" }), {
    timeout: 60_000,
    interval: 500,
  });
  const versions = [];
  for await (const version of client.beta.memoryStores.memoryVersions.list(notes.id)) versions.push(version);
  const bySession = versions.filter((v) => v.created_by?.type === "session_actor").map((v) => [v.operation, v.path, (v.created_by as { session_id?: string }).session_id]);
  expect(bySession.sort()).toEqual([
    ["created", "/people/ada.md", sessionId],
    ["modified", "/facts.md", sessionId],
  ]);
  expect(await contents(client, rules.id)).toEqual({ "/style.md": "use tabs\n" });
}
