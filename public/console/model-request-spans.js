// The timeline's model requests: a spinner line while a call to the model is open, which its end event turns into
// a summary of tokens in and out and how long it took.
import { h, replace } from "./dom.js";
import { tokens } from "./format.js";
import { stamp } from "./timeline-parts.js";

export class ModelRequestSpans {
  constructor() {
    /** @type {Map<string, HTMLElement>} model request spans still open, by start id */
    this.open = new Map();
  }

  /** `span.model_request_start`: an open span line. */
  start(event) {
    const el = h("div.span.open", null, h("span.spinner"), h("span", { text: "Model request" }), stamp(event));
    el.dataset.at = event.processed_at;
    this.open.set(event.id, el);
    return el;
  }

  /** `span.model_request_end`: closes its start's line in place, or stands alone when the start is not shown. */
  end(event) {
    const start = this.open.get(event.model_request_start_id);
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
      this.open.delete(event.model_request_start_id);
      return null;
    }
    return h(`div.span${event.is_error ? ".failed" : ""}`, null, label, stamp(event));
  }
}
