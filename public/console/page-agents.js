// Agents: each one's current configuration, its versions, and a diff between any two of them.
import { h, replace } from "./dom.js";
import { diffLines } from "./line-diff.js";
import { badge, code, enc, fields, json, section, table, when } from "./page-kit.js";

/** What a version's diff compares: its configuration, not its bookkeeping. @param {any} agent */
function config(agent) {
  const { created_at, updated_at, archived_at, version, ...rest } = agent;
  return JSON.stringify(rest, null, 2);
}

/** @param {any[]} versions  newest first */
function diffView(versions) {
  const option = (/** @type {any} */ v) => h("option", { value: String(v.version), text: `v${v.version} · ${new Date(v.updated_at ?? v.created_at).toLocaleString()}` });
  const from = h("select.diff-from", { "aria-label": "From version" }, versions.map(option));
  const to = h("select.diff-to", { "aria-label": "To version" }, versions.map(option));
  from.value = String(versions[1]?.version ?? versions[0].version);
  to.value = String(versions[0].version);
  const out = h("pre.diff", { "aria-label": "Diff" });
  const render = () => {
    const a = versions.find((v) => String(v.version) === from.value);
    const b = versions.find((v) => String(v.version) === to.value);
    const lines = diffLines(config(a), config(b));
    const changed = lines.filter((l) => l.kind !== "same").length;
    replace(
      out,
      changed
        ? lines.map((l) => h(`span.diff-line.${l.kind}`, { text: `${l.kind === "added" ? "+" : l.kind === "removed" ? "-" : " "} ${l.line}\n` }))
        : h("span.diff-line.same", { text: "No differences." }),
    );
  };
  from.addEventListener("change", render);
  to.addEventListener("change", render);
  render();
  return h("div.diff-view", null, h("div.diff-pick", null, from, h("span", { text: "→" }), to), out);
}

/** @type {import("./resource-page.js").ResourceDef} */
export const agentsPage = {
  path: "agents",
  title: "Agents",
  empty: "No agents yet: create one with the API.",
  list: (api) => api.list("/v1/agents", { include_archived: true }),
  label: (a) => a.name,
  sub: (a) => [code(a.id), h("span", { text: `v${a.version} · ${a.model?.id ?? a.model}` })],
  async detail(api, id) {
    const [agent, versions] = await Promise.all([api.get(`/v1/agents/${enc(id)}`), api.list(`/v1/agents/${enc(id)}/versions`)]);
    versions.sort((a, b) => b.version - a.version);
    return h(
      "div",
      null,
      h("h2", null, agent.name, " ", badge(`v${agent.version}`)),
      fields([
        ["ID", code(agent.id)],
        ["Model", agent.model?.id ?? agent.model],
        ["Description", agent.description],
        ["Tools", agent.tools?.map((/** @type {any} */ t) => t.name ?? t.type).join(", ") || "none"],
        ["MCP servers", agent.mcp_servers?.map((/** @type {any} */ s) => s.name).join(", ")],
        ["Skills", agent.skills?.map((/** @type {any} */ s) => s.skill_id).join(", ")],
        ["Updated", when(agent.updated_at)],
        ["Archived", agent.archived_at ? when(agent.archived_at) : null],
      ]),
      agent.system ? section("System prompt", h("pre.prompt", { text: agent.system })) : null,
      section(
        `Versions (${versions.length})`,
        table(versions, [["Version", (v) => `v${v.version}`], ["Model", (v) => v.model?.id ?? v.model], ["Updated", (v) => when(v.updated_at)]], "No versions."),
      ),
      versions.length > 1 ? section("Compare versions", diffView(versions)) : null,
      section("Configuration", json(agent)),
    );
  },
};
