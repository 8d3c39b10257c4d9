// The sessions list: status filter, search, cursor paging both ways, quiet auto-refresh, and each session's
// first message as a preview.
import { ApiError } from "./api.js";
import { h, replace } from "./dom.js";
import { ago, full, inputTokens, tokens } from "./format.js";

const PAGE_SIZE = 20;
const REFRESH_MS = 10_000;
const STATUSES = ["running", "idle", "rescheduling", "terminated"];
/** How many sessions a search looks through (newest first): the API has no text search, so it runs here. */
const SEARCH_MAX = 200;

export class SessionList {
  /**
   * @param {import("./api.js").Api} api
   * @param {{ onNew: () => void, onAuthError: () => void }} options
   */
  constructor(api, options) {
    this.api = api;
    this.options = options;
    /** @type {string | undefined} the cursor of the page shown (undefined: the newest) */
    this.page = undefined;
    this.status = "";
    this.includeArchived = false;
    /** @type {string | undefined} */
    this.selected = undefined;
    this.query = "";
    /** @type {Map<string, Promise<string>>} each session's first user message, read once */
    this.previews = new Map();
    this.items = h("ul.session-list", { "aria-label": "Sessions" });
    this.newer = h("button.ghost.small", { type: "button", text: "‹ Newer", disabled: true, onclick: () => this.go(this.prev) });
    this.older = h("button.ghost.small", { type: "button", text: "Older ›", disabled: true, onclick: () => this.go(this.next) });
    const status = h(
      "select",
      {
        "aria-label": "Filter by status",
        onchange: (/** @type {Event} */ e) => {
          this.status = /** @type {HTMLSelectElement} */ (e.target).value;
          this.go(undefined);
        },
      },
      h("option", { value: "", text: "All statuses" }),
      STATUSES.map((s) => h("option", { value: s, text: s[0].toUpperCase() + s.slice(1) })),
    );
    const archived = h("input", {
      type: "checkbox",
      onchange: (/** @type {Event} */ e) => {
        this.includeArchived = /** @type {HTMLInputElement} */ (e.target).checked;
        this.go(undefined);
      },
    });
    this.search = h("input.session-search", {
      type: "search",
      placeholder: "Search title, id, agent, first message…",
      "aria-label": "Search sessions",
      oninput: () => {
        clearTimeout(this.searchTimer);
        this.searchTimer = setTimeout(() => ((this.query = this.search.value.trim().toLowerCase()), this.go(undefined)), 250);
      },
    });
    this.el = h(
      "div.list",
      null,
      h(
        "div.list-head",
        null,
        h("h1", { text: "Sessions" }),
        h("button.primary.small", { type: "button", onclick: () => options.onNew(), text: "New session" }),
      ),
      h(
        "div.filters",
        null,
        status,
        h("label.check", null, archived, "Archived"),
        h("button.ghost.small.icon", { type: "button", title: "Refresh", "aria-label": "Refresh", onclick: () => this.refresh(), text: "↻" }),
      ),
      h("div.list-search", null, this.search),
      this.items,
      (this.pager = h("div.pager", { hidden: true }, this.newer, this.older)),
    );
    this.timer = setInterval(() => document.visibilityState === "visible" && this.el.isConnected && this.refresh(true), REFRESH_MS);
  }

  /** @param {string | undefined} page */
  go(page) {
    this.page = page;
    this.refresh();
  }

  /** Reloads the page shown. @param {boolean} [quiet] no spinner, errors ignored (background refresh) */
  async refresh(quiet = false) {
    if (!quiet && !this.items.childElementCount) replace(this.items, h("li.list-note", { text: "Loading…" }));
    try {
      const filters = { include_archived: this.includeArchived || undefined, "statuses[]": this.status || undefined };
      const res = this.query ? await this.searchSessions(filters) : await this.api.listSessions({ limit: PAGE_SIZE, page: this.page, ...filters });
      this.next = res.next_page ?? undefined;
      this.prev = res.prev_page ?? undefined;
      /** @type {HTMLButtonElement} */ (this.older).disabled = !this.next;
      /** @type {HTMLButtonElement} */ (this.newer).disabled = !this.prev;
      this.pager.hidden = !this.next && !this.prev;
      if (!res.data.length) {
        const none = this.query ? "No sessions match." : this.status ? `No ${this.status} sessions.` : "No sessions yet. Create one to get started.";
        replace(this.items, h("li.list-note", { text: none }));
      } else {
        replace(this.items, res.data.map((s) => this.item(s)));
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return this.options.onAuthError();
      if (!quiet) replace(this.items, h("li.list-note.error", { text: `Could not load sessions: ${/** @type {Error} */ (err).message}` }));
    }
  }

  /**
   * The newest sessions (up to SEARCH_MAX) whose title, id, agent or first message holds the query, as one page.
   * @param {Record<string, any>} filters
   */
  async searchSessions(filters) {
    const query = this.query;
    const sessions = await this.api.allSessions(filters, SEARCH_MAX);
    const texts = await Promise.all(sessions.map((s) => this.preview(s.id)));
    const data = sessions.filter((s, i) => [s.title, s.id, s.agent?.name, texts[i]].some((t) => t?.toLowerCase().includes(query)));
    return { data: data.slice(0, PAGE_SIZE * 5), next_page: null, prev_page: null };
  }

  /** A session's first user message as text ("" when it has none yet). Cached once it has one. @param {string} id */
  preview(id) {
    let text = this.previews.get(id);
    if (!text) {
      text = this.api.firstMessage(id).then((event) => {
        const first = (event?.content ?? []).find((/** @type {any} */ b) => b.type === "text")?.text ?? "";
        if (!first) this.previews.delete(id);
        return first;
      });
      text.catch(() => this.previews.delete(id));
      this.previews.set(id, text);
    }
    return text.catch(() => "");
  }

  /** @param {any} s */
  item(s) {
    const usage = s.usage ?? {};
    const agent = s.agent ? `${s.agent.name} v${s.agent.version}` : "";
    return h(
      "li",
      null,
      h(
        "a.session-item",
        { href: `#/sessions/${s.id}`, "aria-current": s.id === this.selected ? "page" : undefined, "data-session-id": s.id },
        h(
          "div.item-top",
          null,
          statusDot(s.status),
          h("span.item-title", { text: s.title || "Untitled session" }),
          h("time.item-time", { datetime: s.created_at, title: `Created ${full(s.created_at)}`, text: ago(s.created_at) }),
        ),
        h(
          "div.item-meta",
          null,
          h("span", { text: agent }),
          h("span.item-usage", { title: "Tokens in / out", text: `${tokens(inputTokens(usage))} in · ${tokens(usage.output_tokens)} out` }),
        ),
        this.previewLine(s.id),
        h(
          "div.item-sub",
          null,
          h("code", { text: s.id }),
          s.archived_at ? h("span.badge.neutral", { text: "archived" }) : null,
          h("span", { title: `Updated ${full(s.updated_at)}`, text: `updated ${ago(s.updated_at)}` }),
        ),
      ),
    );
  }

  /** @param {string} id */
  previewLine(id) {
    const el = h("div.item-preview");
    this.preview(id).then((text) => (el.textContent = text.replace(/\s+/g, " ").slice(0, 200)));
    return el;
  }

  /** @param {string | undefined} id */
  select(id) {
    this.selected = id;
    for (const a of this.items.querySelectorAll("a.session-item")) {
      if (a.getAttribute("data-session-id") === id) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
  }

  destroy() {
    clearInterval(this.timer);
  }
}

/** @param {string} status */
export function statusDot(status) {
  return h(`span.status-dot.${status}`, { title: status, "aria-label": status });
}
