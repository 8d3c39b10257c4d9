// The banner above the composer while the session waits for the user: how many tool results and confirmations,
// for which tools, and a button that scrolls to the first waiting card.
import { h, replace } from "./dom.js";

/** @param {HTMLElement} banner @param {any[]} pending the tool use events the session waits on */
export function renderActionBanner(banner, pending) {
  banner.hidden = pending.length === 0;
  if (!pending.length) return;
  const names = pending.map((e) => e.name).join(", ");
  const confirmations = pending.filter((e) => e.type !== "agent.custom_tool_use").length;
  const results = pending.length - confirmations;
  const what = [
    results ? `${results} tool result${results > 1 ? "s" : ""}` : null,
    confirmations ? `${confirmations} confirmation${confirmations > 1 ? "s" : ""}` : null,
  ].filter(Boolean);
  replace(
    banner,
    h("span.pulse"),
    h("span", null, h("strong", { text: "Waiting for you: " }), `${what.join(" and ")} (${names})`),
    h("button.ghost.small", {
      type: "button",
      text: "Show",
      onclick: () => document.getElementById(`event-${pending[0].id}`)?.scrollIntoView({ behavior: "smooth", block: "center" }),
    }),
  );
}
