// The sessions list (status filter, cursor paging both ways, quiet auto-refresh) and the new-session dialog.
import { ApiError } from "./api.js";
import { h, replace, toast } from "./dom.js";
import { ago, full, inputTokens, tokens } from "./format.js";

const PAGE_SIZE = 20;
const REFRESH_MS = 10_000;
const STATUSES = ["running", "idle", "rescheduling", "terminated"];

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
      this.items,
      (this.pager = h("div.pager", { hidden: true }, this.newer, this.older)),
    );
    this.timer = setInterval(() => document.visibilityState === "visible" && this.refresh(true), REFRESH_MS);
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
      const res = await this.api.listSessions({
        limit: PAGE_SIZE,
        page: this.page,
        include_archived: this.includeArchived || undefined,
        "statuses[]": this.status || undefined,
      });
      this.next = res.next_page ?? undefined;
      this.prev = res.prev_page ?? undefined;
      /** @type {HTMLButtonElement} */ (this.older).disabled = !this.next;
      /** @type {HTMLButtonElement} */ (this.newer).disabled = !this.prev;
      this.pager.hidden = !this.next && !this.prev;
      if (!res.data.length) {
        replace(this.items, h("li.list-note", { text: this.status ? `No ${this.status} sessions.` : "No sessions yet. Create one to get started." }));
      } else {
        replace(this.items, res.data.map((s) => this.item(s)));
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return this.options.onAuthError();
      if (!quiet) replace(this.items, h("li.list-note.error", { text: `Could not load sessions: ${/** @type {Error} */ (err).message}` }));
    }
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

/**
 * Creates a session from an existing agent and environment.
 * @param {import("./api.js").Api} api
 * @param {(session: any) => void} onCreated
 */
export function newSessionDialog(api, onCreated) {
  const agent = h("select", { id: "new-agent", required: true, disabled: true }, h("option", { text: "Loading agents…" }));
  const environment = h("select", { id: "new-env", required: true, disabled: true }, h("option", { text: "Loading environments…" }));
  const title = h("input", { id: "new-title", type: "text", maxlength: 1024, placeholder: "Optional" });
  const message = h("textarea", { id: "new-message", rows: 3, placeholder: "Optional: sent as the first user message" });
  const error = h("div.form-error", { role: "alert" });
  const create = h("button.primary", { type: "submit", text: "Create session", disabled: true });
  const cancel = h("button.ghost", { type: "button", text: "Cancel" });
  const form = h(
    "form.dialog-body",
    { method: "dialog" },
    h("h2", { text: "New session" }),
    h("label", { for: "new-agent", text: "Agent" }),
    agent,
    h("label", { for: "new-env", text: "Environment" }),
    environment,
    h("label", { for: "new-title", text: "Title" }),
    title,
    h("label", { for: "new-message", text: "First message" }),
    message,
    error,
    h("div.dialog-actions", null, cancel, create),
  );
  const dialog = /** @type {HTMLDialogElement} */ (h("dialog.modal", { "aria-label": "New session" }, form));
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  cancel.addEventListener("click", () => dialog.close());
  dialog.showModal();

  Promise.all([api.listAgents(), api.listEnvironments()])
    .then(([agents, environments]) => {
      const live = (/** @type {any[]} */ rows) => rows.filter((r) => !r.archived_at);
      fill(agent, live(agents), (a) => `${a.name} · v${a.version} · ${a.model?.id ?? a.model}`, "No agents yet: create one with the API.");
      fill(environment, live(environments), (e) => e.name, "No environments yet: create one with the API.");
      create.disabled = !live(agents).length || !live(environments).length;
    })
    .catch((err) => (error.textContent = `Could not load agents and environments: ${err.message}`));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    create.disabled = true;
    error.textContent = "";
    try {
      const session = await api.createSession({
        agent: agent.value,
        environment_id: environment.value,
        ...(title.value.trim() && { title: title.value.trim() }),
      });
      if (message.value.trim()) {
        await api.sendEvents(session.id, [{ type: "user.message", content: [{ type: "text", text: message.value.trim() }] }]);
      }
      dialog.close();
      toast("Session created", "info");
      onCreated(session);
    } catch (err) {
      error.textContent = /** @type {Error} */ (err).message;
      create.disabled = false;
    }
  });
}

/**
 * @param {HTMLSelectElement} select @param {any[]} rows @param {(row: any) => string} label @param {string} none
 */
function fill(select, rows, label, none) {
  replace(select, rows.length ? rows.map((r) => h("option", { value: r.id, text: label(r) })) : h("option", { value: "", text: none }));
  select.disabled = !rows.length;
}
