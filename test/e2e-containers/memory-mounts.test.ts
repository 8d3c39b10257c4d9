import { describe, expect, it } from "vitest";
import { call, client, cloudSession, stack, steps, turn } from "./cloud-session";

const bash = (command: string) => call("bash", { command });

async function contents(storeId: string) {
  const all: Record<string, string | null> = {};
  for await (const item of client().beta.memoryStores.memories.list(storeId, { view: "full" })) {
    if (item.type === "memory") all[item.path] = item.content ?? null;
  }
  return all;
}

describe.skipIf(!stack)("memory stores mounted in a real container", () => {
  it("saves what bash and the file tools change in a writable store, and undoes bash's changes in a read-only one", async () => {
    const api = client();
    const tag = crypto.randomUUID().slice(0, 8);
    const notes = await api.beta.memoryStores.create({ name: `notes ${tag}` });
    const rules = await api.beta.memoryStores.create({ name: `rules ${tag}` });
    await api.beta.memoryStores.memories.create(notes.id, { path: "/facts.md", content: "the sky is green\n" });
    await api.beta.memoryStores.memories.create(rules.id, { path: "/style.md", content: "use tabs\n" });
    const { session } = await cloudSession({}, [], [
      { type: "memory_store", memory_store_id: notes.id },
      { type: "memory_store", memory_store_id: rules.id, access: "read_only" },
    ]);
    const [rw, ro] = [`/mnt/memory/notes-${tag}`, `/mnt/memory/rules-${tag}`];
    const { results } = await turn(
      api,
      session.id,
      steps(
        bash(`cat ${rw}/facts.md ${ro}/style.md`),
        call("write", { file_path: `${rw}/people/ada.md`, content: "Ada likes tea\n" }),
        bash(`sed -i s/green/blue/ ${rw}/facts.md && rm ${rw}/people/ada.md && echo 'deploys on friday' > ${rw}/deploys.md`),
        bash(`echo spaces > ${ro}/style.md; echo extra > ${ro}/extra.md`),
        bash(`cat ${ro}/style.md; ls ${ro}`),
      ),
    );
    expect(results[0]).toMatchObject({ isError: false, text: "the sky is green\nuse tabs" });
    expect(results[1].isError).toBe(false);
    expect(results[2].isError).toBe(false);
    // Root in a container writes anywhere: the sync puts the store's version back and says so.
    expect(results[3].isError).toBe(true);
    expect(results[3].text).toContain(`${ro}/style.md: memory store "rules ${tag}" is mounted read-only; the file now holds the store's version`);
    expect(results[3].text).toContain(`${ro}/extra.md: memory store "rules ${tag}" is mounted read-only; the file was removed`);
    expect(results[4]).toMatchObject({ isError: false, text: "use tabs\nstyle.md" });
    expect(await contents(notes.id)).toEqual({ "/facts.md": "the sky is blue\n", "/deploys.md": "deploys on friday\n" });
    expect(await contents(rules.id)).toEqual({ "/style.md": "use tabs\n" });
    const versions = [];
    for await (const v of api.beta.memoryStores.memoryVersions.list(notes.id)) versions.push(v);
    expect(versions.filter((v) => v.created_by?.type === "session_actor").map((v) => `${v.operation} ${v.path}`).sort()).toEqual([
      "created /deploys.md",
      "created /people/ada.md",
      "deleted /people/ada.md",
      "modified /facts.md",
    ]);
  });
});
