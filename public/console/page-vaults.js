// Vaults and their credentials: names, kinds and dates only. Secrets never reach this page: the API does not
// return them, and the page shows only the fields named here (never the `auth` object as a whole).
import { h } from "./dom.js";
import { badge, code, enc, fields, section, table, when } from "./page-kit.js";

/** @type {import("./resource-page.js").ResourceDef} */
export const vaultsPage = {
  path: "vaults",
  title: "Vaults",
  empty: "No vaults yet: create one with the API.",
  list: (api) => api.list("/v1/vaults", { include_archived: true }),
  label: (v) => v.display_name,
  sub: (v) => [code(v.id), h("span", { text: Object.keys(v.metadata ?? {}).length ? `${Object.keys(v.metadata).length} metadata keys` : "" })],
  async detail(api, id) {
    const [vault, credentials] = await Promise.all([
      api.get(`/v1/vaults/${enc(id)}`),
      api.list(`/v1/vaults/${enc(id)}/credentials`, { include_archived: true }),
    ]);
    return h(
      "div",
      null,
      h("h2", { text: vault.display_name }),
      fields([
        ["ID", code(vault.id)],
        ["Metadata", Object.entries(vault.metadata ?? {}).map(([k, v]) => `${k}=${v}`).join(", ")],
        ["Created", when(vault.created_at)],
        ["Updated", when(vault.updated_at)],
        ["Archived", vault.archived_at ? when(vault.archived_at) : null],
      ]),
      section(
        `Credentials (${credentials.length})`,
        h("p.muted", { text: "Metadata only: secret values are write-only and never shown." }),
        table(
          credentials,
          [
            ["Name", (c) => c.display_name ?? "—"],
            ["ID", (c) => code(c.id)],
            ["Kind", (c) => badge(c.auth?.type ?? "?")],
            ["For", (c) => c.auth?.mcp_server_url ?? "—"],
            ["Updated", (c) => when(c.updated_at)],
            ["Status", (c) => (c.archived_at ? badge("archived", "neutral") : badge("active", "ok"))],
          ],
          "No credentials in this vault.",
        ),
      ),
    );
  },
};
