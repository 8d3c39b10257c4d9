// Skills and their versions.
import { h } from "./dom.js";
import { badge, code, enc, fields, section, table, when } from "./page-kit.js";

/** @type {import("./resource-page.js").ResourceDef} */
export const skillsPage = {
  path: "skills",
  title: "Skills",
  empty: "No skills yet: upload one with the API.",
  list: (api) => api.list("/v1/skills"),
  label: (s) => s.display_name ?? s.id,
  sub: (s) => [code(s.id), h("span", { text: s.source?.type ?? "" })],
  async detail(api, id) {
    const [skill, versions] = await Promise.all([api.get(`/v1/skills/${enc(id)}`), api.list(`/v1/skills/${enc(id)}/versions`)]);
    return h(
      "div",
      null,
      h("h2", null, skill.display_name ?? skill.id, " ", badge(skill.source?.type ?? "custom")),
      fields([
        ["ID", code(skill.id)],
        ["Latest version", skill.latest_version_id ? code(skill.latest_version_id) : null],
        ["Created", when(skill.created_at)],
        ["Updated", when(skill.updated_at)],
      ]),
      section(
        `Versions (${versions.length})`,
        table(
          versions,
          [
            ["Version", (v) => code(v.id)],
            ["Name", (v) => v.name],
            ["Description", (v) => v.description],
            ["Created", (v) => when(v.created_at)],
          ],
          "No versions.",
        ),
      ),
    );
  },
};
