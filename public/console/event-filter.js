// Above the timeline: search and filter the session's events, and switch to their raw JSON (each with a copy
// button). Filtering hides rows of whichever view is shown; it never drops or refetches events.
import { h, replace, toast } from "./dom.js";
import { clock } from "./format.js";

/** What each filter keeps, by event type. */
const KINDS = {
  all: () => true,
  messages: (/** @type {string} */ t) => t === "user.message" || t === "agent.message" || t.startsWith("agent.thread_message"),
  tools: (/** @type {string} */ t) => /tool_(use|result|confirmation)$/.test(t),
  status: (/** @type {string} */ t) => t.startsWith("session.") || t.startsWith("span.") || t === "user.interrupt",
  errors: (/** @type {string} */ t, /** @type {any} */ e) => t === "session.error" || Boolean(e.is_error),
};
const KIND_LABELS = { all: "All events", messages: "Messages", tools: "Tool calls", status: "Status & spans", errors: "Errors" };

export class EventFilter {
  /** @param {HTMLElement} timelineRoot  the conversation view, whose rows carry `data-event-id` */
  constructor(timelineRoot) {
    this.timelineRoot = timelineRoot;
    /** @type {Map<string, any>} every event of the session by id */
    this.events = new Map();
    this.kind = "all";
    this.query = "";
    this.raw = false;
    this.search = h("input.event-search", {
      type: "search",
      placeholder: "Search events…",
      "aria-label": "Search events",
      oninput: () => ((this.query = this.search.value.trim().toLowerCase()), this.apply()),
    });
    this.select = h(
      "select.event-kind",
      { "aria-label": "Filter events", onchange: () => ((this.kind = this.select.value), this.apply()) },
      Object.entries(KIND_LABELS).map(([value, text]) => h("option", { value, text })),
    );
    this.rawToggle = h("button.ghost.small.raw-toggle", {
      type: "button",
      text: "{ } JSON",
      title: "Show the raw events",
      "aria-pressed": "false",
      onclick: () => this.toggleRaw(),
    });
    this.count = h("span.event-count");
    this.bar = h("div.event-bar", null, this.search, this.select, this.rawToggle, this.count);
    this.rawList = h("div.raw-events", { hidden: true, role: "list", "aria-label": "Raw events" });
  }

  /** @param {any} event */
  add(event) {
    if (!event?.id || this.events.has(event.id)) return;
    this.events.set(event.id, event);
    if (this.raw) this.rawList.append(this.rawRow(event));
    if (this.query || this.kind !== "all") this.apply();
  }

  toggleRaw() {
    this.raw = !this.raw;
    this.rawToggle.setAttribute("aria-pressed", String(this.raw));
    this.rawToggle.classList.toggle("active", this.raw);
    this.timelineRoot.hidden = this.raw;
    this.rawList.hidden = !this.raw;
    if (this.raw) replace(this.rawList, [...this.events.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((e) => this.rawRow(e)));
    else this.rawList.replaceChildren();
    this.apply();
  }

  /** @param {any} event */
  rawRow(event) {
    const json = JSON.stringify(event, null, 2);
    const copy = h("button.ghost.small.copy", {
      type: "button",
      text: "Copy",
      "aria-label": `Copy ${event.type} JSON`,
      onclick: async (/** @type {MouseEvent} */ e) => {
        e.preventDefault();
        try {
          await navigator.clipboard.writeText(json);
          copy.textContent = "Copied";
          setTimeout(() => (copy.textContent = "Copy"), 1500);
        } catch {
          toast("The browser refused clipboard access.");
        }
      },
    });
    const row = h(
      "details.raw-event",
      { role: "listitem" },
      h("summary", null, h("code", { text: event.type }), h("span.raw-id", { text: event.id }), h("time", { text: clock(event.processed_at) }), copy),
      h("pre", { text: json }),
    );
    row.dataset.eventId = event.id;
    return row;
  }

  /** @param {any} event */
  matches(event) {
    if (!KINDS[this.kind](event.type, event)) return false;
    return !this.query || JSON.stringify(event).toLowerCase().includes(this.query);
  }

  /** Shows the rows whose event (or, for a tool card, any event on it) matches; hides the rest. */
  apply() {
    const active = Boolean(this.query) || this.kind !== "all";
    let shown = 0;
    const rows = this.raw ? this.rawList.children : this.timelineRoot.children;
    for (const row of /** @type {HTMLElement[]} */ ([...rows])) {
      const ids = [row.dataset.eventId, ...[...row.querySelectorAll("[data-event-id]")].map((el) => /** @type {HTMLElement} */ (el).dataset.eventId)];
      const events = ids.map((id) => this.events.get(id ?? "")).filter(Boolean);
      const keep = !active || events.some((e) => this.matches(e));
      row.classList.toggle("filtered-out", !keep);
      if (keep && events.length) shown++;
    }
    this.count.textContent = active ? `${shown} shown` : "";
  }
}
