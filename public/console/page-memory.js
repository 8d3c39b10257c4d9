// Memory stores and the memories in them (paths and sizes; a memory's content is one click away in the API).
import { h } from "./dom.js";
import { bytes, code, enc, fields, section, table, when } from "./page-kit.js";

/** @type {import("./resource-page.js").ResourceDef} */
export const memoryPage = {
  path: "memory",
  title: "Memory stores",
  empty: "No memory stores yet: create one with the API.",
  list: (api) => api.list("/v1/memory_stores", { include_archived: true }),
  label: (s) => s.name,
  sub: (s) => [code(s.id), h("span", { text: s.description ?? "" })],
  async detail(api, id) {
    const [store, memories] = await Promise.all([
      api.get(`/v1/memory_stores/${enc(id)}`),
      api.list(`/v1/memory_stores/${enc(id)}/memories`, { view: "basic" }, 1000),
    ]);
    const files = memories.filter((m) => m.type === "memory");
    return h(
      "div",
      null,
      h("h2", { text: store.name }),
      fields([
        ["ID", code(store.id)],
        ["Description", store.description],
        ["Created", when(store.created_at)],
        ["Updated", when(store.updated_at)],
        ["Archived", store.archived_at ? when(store.archived_at) : null],
      ]),
      section(
        `Memories (${files.length})`,
        table(
          files,
          [
            ["Path", (m) => code(m.path)],
            ["Size", (m) => bytes(m.content_size_bytes)],
            ["Updated", (m) => when(m.updated_at)],
          ],
          "This store holds no memories yet.",
        ),
      ),
    );
  },
};
