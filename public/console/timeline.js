// Renders a session's event log as a conversation: messages as bubbles, tool calls as cards that collect
// their results and confirmations, status changes and spans as quiet dividers. Also tracks what the session
// is waiting for (`requires_action`); the tool cards (`tool-cards.js`) put the matching answer form on each.
import { h } from "./dom.js";
import { ModelRequestSpans } from "./model-request-spans.js";
import { ToolCards } from "./tool-cards.js";
import { content, divider, idleLabel, retryLabel, stamp, threadMessage, usageLabel } from "./timeline-parts.js";

export class Timeline {
  /** @param {HTMLElement} root @param {import("./tool-cards.js").ToolCardOptions} options */
  constructor(root, options) {
    this.root = root;
    /** @type {Set<string>} every stored event rendered, so a replay never duplicates */
    this.seen = new Set();
    this.tools = new ToolCards(root, options);
    this.spans = new ModelRequestSpans();
    /** @type {Map<string, { el: HTMLElement, text: HTMLElement, type: string }>} live previews by event id */
    this.previews = new Map();
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
        return this.tools.card(event);
      case "agent.tool_result":
      case "agent.mcp_tool_result":
      case "user.custom_tool_result":
      case "user.tool_result":
        return this.tools.result(event);
      case "user.tool_confirmation":
        return this.tools.confirmation(event);
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
      case "span.model_request_start":
        return this.spans.start(event);
      case "span.model_request_end":
        return this.spans.end(event);
      default:
        return h(
          "details.other",
          null,
          h("summary", null, h("code", { text: event.type }), stamp(event)),
          h("pre", { text: JSON.stringify(event, null, 2) }),
        );
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

  /** What an event ends or settles: previews it cut short, and what the session waits for. */
  track(event) {
    if (
      event.type === "span.model_request_end" ||
      event.type === "user.interrupt" ||
      event.type === "session.error" ||
      event.type.startsWith("session.status_")
    ) {
      this.abandonPreviews();
    }
    this.tools.track(event);
  }
}
