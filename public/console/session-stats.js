// The numbers in a session's header: tokens (cache included), list cost, active time, age.
import { h, replace } from "./dom.js";
import { ago, cacheTokens, cost, duration, full, inputTokens, tokens } from "./format.js";

/** @param {string} label @param {string} short @param {string} value @param {string} [title] */
function stat(label, short, value, title = "") {
  return h(
    `div.stat-${label.toLowerCase()}`,
    { title },
    h("dt", null, h("span.long", { text: label }), h("span.short", { text: short })),
    h("dd", { text: value }),
  );
}

/** @param {HTMLElement} el @param {any} s  the session */
export function renderStats(el, s) {
  const usage = s.usage ?? {};
  const cache = cacheTokens(usage);
  replace(
    el,
    stat("Input", "In", tokens(inputTokens(usage)), `${usage.input_tokens ?? 0} uncached, ${usage.cache_read_input_tokens ?? 0} cache reads`),
    stat("Output", "Out", tokens(usage.output_tokens)),
    stat("Cache", "Cache", `${tokens(cache.read)} / ${tokens(cache.written)}`, `${cache.read} tokens read from the prompt cache / ${cache.written} written to it`),
    // The server's own figure, when it prices sessions: the console never guesses prices.
    stat("Cost", "Cost", cost(usage.list_cost), usage.list_cost ? "List cost across all turns, at public list rates" : "This server does not report list_cost"),
    stat("Active", "Active", duration(s.stats?.active_seconds), "Time spent running"),
    stat("Created", "Created", ago(s.created_at), full(s.created_at)),
  );
}
