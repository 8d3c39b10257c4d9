// Files: what was uploaded or produced, with its size, type and scope.
import { h } from "./dom.js";
import { badge, bytes, code, enc, fields, when } from "./page-kit.js";

/** @type {import("./resource-page.js").ResourceDef} */
export const filesPage = {
  path: "files",
  title: "Files",
  empty: "No files yet: upload one with the API.",
  list: (api) => api.list("/v1/files"),
  label: (f) => f.filename,
  sub: (f) => [code(f.id), h("span", { text: `${bytes(f.size_bytes)} · ${f.mime_type}` })],
  async detail(api, id) {
    const file = await api.get(`/v1/files/${enc(id)}`);
    return h(
      "div",
      null,
      h("h2", null, file.filename, " ", file.downloadable ? badge("downloadable", "ok") : null),
      fields([
        ["ID", code(file.id)],
        ["Type", file.mime_type],
        ["Size", bytes(file.size_bytes)],
        ["Scope", file.scope ? `${file.scope.type} ${file.scope.id}` : "workspace"],
        ["Created", when(file.created_at)],
        ["Expires", file.expires_at ? when(file.expires_at) : null],
      ]),
    );
  },
};
