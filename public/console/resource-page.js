// One read-mostly page (agents, environments, vaults, files, skills, memory stores): the list on the left,
// searchable in place, and the selected item's detail on the right (alone on a phone), at #/<path>/<id>.
import { ApiError } from "./api.js";
import { h, replace } from "./dom.js";

/**
 * @typedef {{
 *   path: string,
 *   title: string,
 *   empty: string,
 *   list: (api: import("./api.js").Api) => Promise<any[]>,
 *   label: (row: any) => string,
 *   sub: (row: any) => any,
 *   detail: (api: import("./api.js").Api, id: string) => Promise<Node>,
 * }} ResourceDef
 */

export class ResourcePage {
  /** @param {import("./api.js").Api} api @param {ResourceDef} def */
  constructor(api, def) {
    this.api = api;
    this.def = def;
    /** @type {any[]} */
    this.rows = [];
    /** @type {string | undefined} */
    this.selected = undefined;
    this.items = h("ul.resource-list", { "aria-label": def.title });
    this.search = h("input.resource-search", {
      type: "search",
      placeholder: `Search ${def.title.toLowerCase()}…`,
      "aria-label": `Search ${def.title.toLowerCase()}`,
      oninput: () => this.renderList(),
    });
    this.detail = h("section.pane.pane-detail");
    this.el = h(
      "div.layout.resource-page",
      { "data-page": def.path },
      h(
        "section.pane.pane-list",
        null,
        h(
          "div.list",
          null,
          h(
            "div.list-head",
            null,
            h("h1", { text: def.title }),
            h("button.ghost.small.icon", { type: "button", title: "Refresh", "aria-label": "Refresh", onclick: () => this.load(), text: "↻" }),
          ),
          h("div.list-search", null, this.search),
          this.items,
        ),
      ),
      this.detail,
    );
  }

  async load() {
    replace(this.items, h("li.list-note", { text: "Loading…" }));
    try {
      this.rows = await this.def.list(this.api);
      this.renderList();
    } catch (err) {
      replace(this.items, h("li.list-note.error", { text: `Could not load ${this.def.title.toLowerCase()}: ${/** @type {Error} */ (err).message}` }));
    }
  }

  renderList() {
    const q = this.search.value.trim().toLowerCase();
    const rows = q ? this.rows.filter((r) => JSON.stringify(r).toLowerCase().includes(q)) : this.rows;
    if (!rows.length) return replace(this.items, h("li.list-note", { text: q ? "Nothing matches." : this.def.empty }));
    replace(
      this.items,
      rows.map((r) =>
        h(
          "li",
          null,
          h(
            "a.resource-item",
            { href: `#/${this.def.path}/${encodeURIComponent(r.id)}`, "aria-current": r.id === this.selected ? "page" : undefined, "data-id": r.id },
            h("div.item-top", null, h("span.item-title", { text: this.def.label(r) }), r.archived_at ? h("span.badge.neutral", { text: "archived" }) : null),
            h("div.item-sub", null, this.def.sub(r)),
          ),
        ),
      ),
    );
  }

  /** Shows one item's detail, or the placeholder. @param {string | undefined} id */
  async show(id) {
    this.selected = id;
    this.el.classList.toggle("has-detail", Boolean(id));
    for (const a of this.items.querySelectorAll("a.resource-item")) {
      if (a.getAttribute("data-id") === id) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    if (!id) {
      return replace(this.detail, h("div.placeholder", null, h("h2", { text: this.def.title }), h("p", { text: "Pick one to see its details." })));
    }
    replace(this.detail, h("div.placeholder", null, h("p", { text: "Loading…" })));
    try {
      const body = await this.def.detail(this.api, id);
      if (this.selected !== id) return;
      replace(
        this.detail,
        h("div.resource-detail", null, h("a.back", { href: `#/${this.def.path}`, "aria-label": `Back to ${this.def.title.toLowerCase()}`, text: "‹" }), body),
      );
    } catch (err) {
      if (this.selected !== id) return;
      const notFound = err instanceof ApiError && err.status === 404;
      replace(
        this.detail,
        h("div.placeholder", null, h("h2", { text: notFound ? "Not found" : "Could not load this" }), h("p", { text: /** @type {Error} */ (err).message })),
      );
    }
  }
}
