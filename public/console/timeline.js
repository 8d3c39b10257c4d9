// Renders a session's event log as a conversation: messages as bubbles, tool calls as cards that collect
// their results and confirmations, status changes and spans as quiet dividers. Also tracks what the session
// is waiting for (`requires_action`) and puts the matching answer form on each waiting tool card.
import { h, replace } from "./dom.js";
import { elapsed, tokens } from "./format.js";
import { confirmForm, resultForm } from "./answer-forms.js";
import { badge, content, contentText, divider, idleLabel, retryLabel, stamp, threadMessage, usageLabel } from "./timeline-parts.js";

const TOOL_USES = new Set(["agent.tool_use", "agent.custom_tool_use", "agent.mcp_tool_use"]);
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
 * @typedef {{ kind: "result", toolUseId: string, content: string, isError: boolean }
 *   | { kind: "confirmation", toolUseId: string, result: "allow" | "deny", denyMessage?: string }} Answer
 * @typedef {{ onAnswer: (answer: Answer) => Promise<void>, onPendingChange?: (pending: any[]) => void }} TimelineOptions
 */

export class Timeline {
  /** @param {HTMLElement} root @param {TimelineOptions} options */
  constructor(root, options) {
    this.root = root;
    this.options = options;
    /** @type {Set<string>} every stored event rendered, so a replay never duplicates */
    this.seen = new Set();
    /** @type {Map<string, { el: HTMLElement, event: any, body: HTMLElement, results: HTMLElement, action: HTMLElement, state: HTMLElement, done?: boolean }>} */
    this.tools = new Map();
    /** @type {Map<string, HTMLElement>} model request spans still open, by start id */
    this.spans = new Map();
    /** @type {Map<string, { el: HTMLElement, text: HTMLElement, type: string }>} live previews by event id */
    this.previews = new Map();
    /** @type {Set<string>} results this tab posted (labelled "sent by you") */
    this.mine = new Set();
    /** @type {Set<string>} tool use ids the session is waiting on */
    this.pending = new Set();
    this.empty = h("div.timeline-empty", { text: "No events yet. Send a message to start the session." });
    root.append(this.empty);
  }

  /** Adds a stored event (in log order). */
  add(event) {
    if (!event?.id || this.seen.has(event.id)) return;
    this.seen.add(event.id);
    this.empty.remove();
    const el = this.render(event);
    if (el) {
      el.dataset.eventId = event.id;
      el.dataset.type = event.type;
      this.place(el, event.id);
    }
    this.track(event);
  }

  /** A preview of an event being produced (`event_start` / `event_delta`): text as the model writes it. */
  preview(p) {
    if (p.type === "event_start") {
      if (this.seen.has(p.event.id) || this.previews.has(p.event.id)) return;
      this.empty.remove();
      const thinking = p.event.type === "agent.thinking";
      const text = h("div.bubble-text");
      const el = thinking
        ? h("details.thinking.streaming", { open: true }, h("summary", null, h("span.spark"), "Thinking…"), text)
        : h("div.msg.agent.streaming", null, h("div.bubble", null, text));
      el.dataset.eventId = p.event.id;
      this.previews.set(p.event.id, { el, text, type: p.event.type });
      this.place(el, p.event.id);
    } else if (p.type === "event_delta") {
      const preview = this.previews.get(p.event_id);
      if (preview && p.delta?.content?.type === "text") preview.text.append(p.delta.content.text);
    }
  }

  /**
   * Inserts in id order (ids sort in log order), replacing a preview of the same event. Events mostly
   * arrive in order, but an event echoed by a POST can overtake the stream's delivery of earlier ones.
   */
  place(el, id) {
    const existing = this.previews.get(id);
    if (existing && existing.el !== el) {
      existing.el.replaceWith(el);
      this.previews.delete(id);
      return;
    }
    let after = this.root.lastElementChild;
    while (after && (after.getAttribute("data-event-id") ?? "") > id) after = after.previousElementSibling;
    if (after) after.after(el);
    else this.root.prepend(el);
  }

  render(event) {
    switch (event.type) {
      case "user.message":
        return h("div.msg.user", null, h("div.bubble", null, content(event.content)), stamp(event));
      case "agent.message":
        return h("div.msg.agent", null, h("div.bubble", null, content(event.content)), stamp(event));
      case "agent.thinking": {
        // The stored event carries no text; keep what the preview streamed, if we watched it.
        const streamed = this.previews.get(event.id)?.text.textContent;
        if (!streamed) return h("div.thinking", null, h("div.thinking-row", null, h("span.spark"), "Thought"), stamp(event));
        return h("details.thinking", null, h("summary", null, h("span.spark"), "Thought"), h("div.bubble-text", { text: streamed }));
      }
      case "agent.tool_use":
      case "agent.custom_tool_use":
      case "agent.mcp_tool_use":
        return this.toolCard(event);
      case "agent.tool_result":
      case "agent.mcp_tool_result":
      case "user.custom_tool_result":
      case "user.tool_result": {
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
      case "user.tool_confirmation": {
        const line = h(
          `div.tool-confirmation.${event.result}`,
          null,
          event.result === "allow" ? "Allowed by you" : `Denied by you${event.deny_message ? `: ${event.deny_message}` : ""}`,
        );
        return this.attach(event.tool_use_id, line, event) ? null : h("div.orphan", null, line);
      }
      case "user.interrupt":
        return divider("Interrupted", "interrupt", event);
      // Multi-agent sessions: the session's stream carries its threads' lifecycle and the messages between them.
      case "session.thread_created":
        return divider(`Thread started · ${event.agent_name}`, "running", event);
      case "session.thread_status_running":
        return divider(`${event.agent_name} · running`, "running", event);
      case "session.thread_status_idle":
        return divider(`${event.agent_name} · ${idleLabel(event.stop_reason)}`, event.stop_reason?.type === "requires_action" ? "action" : "idle", event);
      case "session.thread_status_terminated":
        return divider(`${event.agent_name} · terminated`, "terminated", event);
      case "agent.thread_message_sent":
        return threadMessage(`To ${event.to_agent_name ?? "the coordinator"}`, event);
      case "agent.thread_message_received":
        return threadMessage(`From ${event.from_agent_name ?? "the coordinator"}`, event);
      case "session.status_running":
        return divider("Running", "running", event);
      case "session.status_idle":
        return divider(idleLabel(event.stop_reason), event.stop_reason?.type === "requires_action" ? "action" : "idle", event);
      case "session.status_rescheduled":
        return divider("Rescheduling", "rescheduling", event);
      case "session.status_terminated":
        return divider("Terminated", "terminated", event);
      case "session.deleted":
        return divider("Session deleted", "terminated", event);
      case "session.usage":
        return h("div.span.usage", null, h("span.dot"), h("span", { text: usageLabel(event) }), stamp(event));
      case "session.error":
        return h(
          "div.error-card",
          null,
          h("div.error-title", null, h("strong", { text: event.error?.type ?? "error" }), retryLabel(event.error?.retry_status)),
          h("div", { text: event.error?.message ?? "" }),
          stamp(event),
        );
      case "span.model_request_start": {
        const el = h("div.span.open", null, h("span.spinner"), h("span", { text: "Model request" }), stamp(event));
        el.dataset.at = event.processed_at;
        this.spans.set(event.id, el);
        return el;
      }
      case "span.model_request_end": {
        const start = this.spans.get(event.model_request_start_id);
        const usage = event.model_usage ?? {};
        const seconds = start ? (Date.parse(event.processed_at) - Date.parse(start.dataset.at ?? "")) / 1000 : NaN;
        const parts = [
          `${tokens((usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0))} in`,
          `${tokens(usage.output_tokens)} out`,
          Number.isFinite(seconds) ? `${seconds.toFixed(1)}s` : null,
        ].filter(Boolean);
        const label = [h("span.dot"), h("span", { text: `Model request${event.is_error ? " failed" : ""} · ${parts.join(" · ")}` })];
        if (start) {
          replace(start, label, stamp(event));
          start.classList.remove("open");
          start.classList.toggle("failed", Boolean(event.is_error));
          this.spans.delete(event.model_request_start_id);
          return null;
        }
        return h(`div.span${event.is_error ? ".failed" : ""}`, null, label, stamp(event));
      }
      default:
        return h(
          "details.other",
          null,
          h("summary", null, h("code", { text: event.type }), stamp(event)),
          h("pre", { text: JSON.stringify(event, null, 2) }),
        );
    }
  }

  toolCard(event) {
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
    this.tools.set(event.id, { el, event, body, results, action, state });
    return el;
  }

  /** Puts a result or confirmation on its tool card. @returns {boolean} whether the card exists */
  attach(toolUseId, el, event) {
    const tool = this.tools.get(toolUseId);
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
    return [...this.tools.values()].filter((t) => !t.done && t.event.type === "agent.tool_use" && !this.pending.has(t.event.id));
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

  /**
   * A model call ended (or the turn did) without committing some previewed event: an interrupt, a
   * stream cut short, a retry. Its partial text stays visible, marked as such, with no cursor blinking on.
   */
  abandonPreviews() {
    for (const preview of this.previews.values()) {
      if (!preview.el.classList.contains("streaming")) continue;
      preview.el.classList.remove("streaming");
      preview.el.classList.add("cut");
      const note = h("div.cut-note", { text: "Interrupted before it was complete" });
      preview.el.append(note);
    }
  }

  /** Follows what the session waits for: set by an idle `requires_action`, settled by answers or a new run. */
  track(event) {
    if (
      event.type === "span.model_request_end" ||
      event.type === "user.interrupt" ||
      event.type === "session.error" ||
      event.type.startsWith("session.status_")
    ) {
      this.abandonPreviews();
    }
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
    for (const [id, tool] of this.tools) {
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
    this.options.onPendingChange?.([...this.pending].map((id) => this.tools.get(id)?.event).filter(Boolean));
  }
}
