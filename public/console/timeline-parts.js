// The small pieces the timeline is built from: message content, time stamps, dividers and their labels.
import { h } from "./dom.js";
import { clock, cost, duration, full, inputTokens, tokens } from "./format.js";

/** A message's content blocks. */
export function content(blocks) {
  return (blocks ?? []).map((block) => {
    switch (block.type) {
      case "text":
        return h("div.bubble-text", { text: block.text });
      case "image":
        return h("div.attachment", { text: "🖼 image" });
      case "document":
        return h("div.attachment", { text: `📄 ${block.title ?? "document"}` });
      case "redacted":
        return h("div.attachment", { text: "(redacted)" });
      default:
        return h("div.attachment", { text: block.type });
    }
  });
}

/** A tool result's content as plain text. */
export function contentText(blocks) {
  return (blocks ?? [])
    .map((b) => (b.type === "text" ? b.text : b.type === "search_result" ? `[${b.title}] ${contentText(b.content)}` : `[${b.type}]`))
    .join("\n");
}

export function stamp(event) {
  return h("time", { datetime: event.processed_at ?? "", title: full(event.processed_at), text: clock(event.processed_at), "data-at": event.processed_at });
}

export function threadMessage(label, event) {
  return h("div.msg.agent.thread", null, h("div.thread-label", { text: label }), h("div.bubble", null, content(event.content)), stamp(event));
}

export function divider(label, kind, event) {
  const el = h(`div.divider.${kind}`, null, h("span", { text: label }), stamp(event));
  el.dataset.at = event.processed_at ?? "";
  return el;
}

export function badge(text, kind) {
  return h(`span.badge.${kind}`, { text });
}

/**
 * A `session.usage` snapshot (sent right before each idle) as one quiet line: the session's totals so far, and its
 * list cost against the budget when it has one.
 */
export function usageLabel(event) {
  const usage = event.usage ?? {};
  const spent = usage.list_cost ? cost(usage.list_cost) : null;
  const cap = event.budget?.max_list_cost ? cost(event.budget.max_list_cost) : null;
  return [
    "Session usage",
    `${tokens(inputTokens(usage))} in`,
    `${tokens(usage.output_tokens)} out`,
    spent && (cap ? `${spent} of ${cap} budget` : spent),
    usage.active_seconds != null ? `${duration(usage.active_seconds)} active` : null,
  ]
    .filter(Boolean)
    .join(" · ");
}

export function idleLabel(stop) {
  switch (stop?.type) {
    case "requires_action":
      return `Waiting for you · ${stop.event_ids?.length ?? 0} action${stop.event_ids?.length === 1 ? "" : "s"}`;
    case "end_turn":
      return "Idle · turn complete";
    case "retries_exhausted":
      return "Idle · retries exhausted";
    case "refusal":
      return "Idle · model refused";
    case "budget_reached":
      return "Idle · budget reached";
    default:
      return "Idle";
  }
}

export function retryLabel(status) {
  if (!status) return null;
  const label = { retrying: "retrying", exhausted: "retries exhausted", terminal: "terminal" }[status.type] ?? status.type;
  return h("span.badge.neutral", { text: label });
}
