// The timeline's tool calls: one card per tool use, which collects its result and confirmation, shows how far the
// call got (running, waiting for you or for hands, done), and carries the answer form while the session waits on it.
import { h, replace } from "./dom.js";
import { elapsed } from "./format.js";
import { confirmForm, resultForm } from "./answer-forms.js";
import { badge, contentText, stamp } from "./timeline-parts.js";

/**
 * Who produced a tool result. A `user.tool_result` is posted by the environment's hands, never typed by a person:
 * the worker of a self-hosted environment, or the server's own sandbox in a cloud one (`setHands`). `agent.*`
 * results are the server's (web tools, MCP). A custom tool's result comes from some client of the API; the ones
 * this tab posted are relabelled "sent by you" (`markMine`).
 */
const PRODUCER = {
  "agent.tool_result": "from the server",
  "agent.mcp_tool_result": "from the MCP server",
  "user.tool_result": "from the hands",
  "user.custom_tool_result": "from a client",
};
const HANDS = { self_hosted: "from the worker", cloud: "from the server's sandbox" };

/**
 * @typedef {import("./answer-forms.js").Answer} Answer
 * @typedef {{ onAnswer: (answer: Answer) => Promise<void>, onPendingChange?: (pending: any[]) => void }} ToolCardOptions
 * @typedef {{ el: HTMLElement, event: any, body: HTMLElement, results: HTMLElement, action: HTMLElement, state: HTMLElement, done?: boolean }} ToolCard
 */

export class ToolCards {
  /** @param {HTMLElement} root the timeline the cards are in @param {ToolCardOptions} options */
  constructor(root, options) {
    this.root = root;
    this.options = options;
    /** @type {Map<string, ToolCard>} by tool use id */
    this.cards = new Map();
    /** @type {Set<string>} results this tab posted (labelled "sent by you") */
    this.mine = new Set();
    /** @type {Set<string>} tool use ids the session is waiting on */
    this.pending = new Set();
  }

  /** A tool use's card. */
  card(event) {
    const kind =
      event.type === "agent.custom_tool_use" ? "custom tool" : event.type === "agent.mcp_tool_use" ? `MCP · ${event.mcp_server_name}` : "built-in";
    const state = h("span.tool-state");
    const input = JSON.stringify(event.input ?? {}, null, 2);
    const body = h("div.tool-body", null, h("div.label", { text: "Input" }), h("pre", { text: input }));
    const results = h("div.tool-results");
    const action = h("div.tool-action");
    const el = h(
      "article.tool",
      { id: `event-${event.id}` },
      h("header", null, h("span.tool-icon", { "aria-hidden": "true" }), h("span.tool-name", { text: event.name }), h("span.tag", { text: kind }), state, stamp(event)),
      body,
      results,
      action,
    );
    if (event.evaluated_permission === "deny") state.append(badge("blocked by policy", "deny"));
    else state.append(h("span.tool-progress.running", null, h("span.spinner"), h("span", { text: "running" })));
    this.cards.set(event.id, { el, event, body, results, action, state });
    return el;
  }

  /** A tool result: put on its card, or returned to stand alone when the card is not in this timeline. */
  result(event) {
    const toolUseId = event.tool_use_id ?? event.mcp_tool_use_id ?? event.custom_tool_use_id;
    const text = contentText(event.content);
    const result = h(
      `div.tool-result${event.is_error ? ".error" : ""}`,
      null,
      h("div.label", null, event.is_error ? "Error" : "Result", " · ", h(`span.producer${event.type === "user.tool_result" ? ".hands" : ""}`, {
        text: (event.type === "user.tool_result" && this.handsLabel) || PRODUCER[event.type],
      })),
      text ? h("pre", { text }) : h("div.muted", { text: "(empty)" }),
    );
    if (this.mine.has(event.id)) /** @type {HTMLElement} */ (result.querySelector(".producer")).textContent = "sent by you";
    return this.attach(toolUseId, result, event) ? null : h("div.orphan", null, result);
  }

  /** A `user.tool_confirmation`: on its card, or standing alone like an orphan result. */
  confirmation(event) {
    const line = h(
      `div.tool-confirmation.${event.result}`,
      null,
      event.result === "allow" ? "Allowed by you" : `Denied by you${event.deny_message ? `: ${event.deny_message}` : ""}`,
    );
    return this.attach(event.tool_use_id, line, event) ? null : h("div.orphan", null, line);
  }

  /** Puts a result or confirmation on its tool card. @returns {boolean} whether the card exists */
  attach(toolUseId, el, event) {
    const tool = this.cards.get(toolUseId);
    if (!tool) return false;
    el.dataset.eventId = event.id;
    tool.results.append(el);
    tool.el.classList.add("answered");
    if (event.type !== "user.tool_confirmation") {
      tool.done = true;
      const took = elapsed(tool.event.processed_at, event.processed_at);
      this.progress(tool, `done${event.is_error ? ".failed" : ""}`, took ? `took ${took}` : "done", `From the call to its result (${event.type})`);
    }
    return true;
  }

  /** The state shown on a tool card's header: running, waiting (for you, or for hands), done with its duration. */
  progress(tool, kind, text, title = "") {
    const current = tool.state.querySelector(".tool-progress");
    if (!current) return; // blocked by policy: nothing runs
    const el = h(`span.tool-progress.${kind}`, { title }, kind === "running" ? h("span.spinner") : kind.startsWith("waiting") ? h("span.pulse") : null, h("span", { text }));
    current.replaceWith(el);
  }

  /**
   * The environment's kind, once known: names who posted `user.tool_result`s. @param {"cloud" | "self_hosted"} type
   */
  setHands(type) {
    this.handsType = type;
    this.handsLabel = HANDS[type];
    if (this.handsLabel) for (const el of this.root.querySelectorAll(".producer.hands")) el.textContent = this.handsLabel;
  }

  /** Built-in tool calls with no result yet: what the environment's hands still have to run. */
  inFlight() {
    return [...this.cards.values()].filter((t) => !t.done && t.event.type === "agent.tool_use" && !this.pending.has(t.event.id));
  }

  /**
   * Whether a self-hosted environment's worker has taken the session's work: until one does, its running tool
   * calls say "waiting for hands" rather than "running". @param {boolean} waiting
   */
  waitForHands(waiting) {
    for (const tool of this.inFlight()) {
      if (waiting) this.progress(tool, "waiting-hands", "waiting for hands", "No worker has taken this session's work yet");
      else this.progress(tool, "running", "running");
    }
  }

  /** Relabels results this tab posted: "sent by you" rather than "from a client". @param {string[]} ids */
  markMine(ids) {
    for (const id of ids) {
      const producer = this.root.querySelector(`.tool-result[data-event-id="${CSS.escape(id)}"] .producer`);
      if (producer) producer.textContent = "sent by you";
      this.mine.add(id);
    }
  }

  /** Follows what the session waits for: set by an idle `requires_action`, settled by answers or a new run. */
  track(event) {
    const before = this.pending.size;
    // A stopped session runs nothing: a tool call still without a result then will not get one by itself.
    if (event.type.startsWith("session.status_") || event.type === "session.deleted") this.settled = event.type !== "session.status_running" && event.type !== "session.status_rescheduled";
    if (event.type === "session.status_idle") {
      this.pending = new Set(event.stop_reason?.type === "requires_action" ? event.stop_reason.event_ids ?? [] : []);
    } else if (event.type === "session.status_running" || event.type === "session.status_terminated" || event.type === "session.deleted") {
      this.pending.clear();
    } else if (event.type === "user.custom_tool_result" || event.type === "user.tool_result") {
      this.pending.delete(event.custom_tool_use_id ?? event.tool_use_id);
    } else if (event.type === "user.tool_confirmation") {
      this.pending.delete(event.tool_use_id);
    } else if (before === 0) {
      return;
    }
    this.renderActions();
  }

  renderActions() {
    for (const [id, tool] of this.cards) {
      const waiting = this.pending.has(id);
      tool.el.classList.toggle("waiting", waiting);
      if (!tool.done) {
        if (waiting) this.progress(tool, "waiting", "waiting for you");
        else if (this.settled) {
          this.progress(tool, "none", "no result");
          tool.done = true;
        }
        else this.progress(tool, "running", "running");
      }
      if (!waiting) {
        tool.action.replaceChildren();
        continue;
      }
      if (tool.action.childElementCount) continue; // keep what the user is typing
      const confirm = tool.event.type !== "agent.custom_tool_use";
      replace(tool.action, confirm ? confirmForm(tool.event, this.options.onAnswer) : resultForm(tool.event, this.options.onAnswer));
    }
    this.options.onPendingChange?.([...this.pending].map((id) => this.cards.get(id)?.event).filter(Boolean));
  }
}
