// Building blocks of the read-mostly pages: sections, field lists, tables, links and JSON, all from API data.
import { h } from "./dom.js";
import { ago, full } from "./format.js";

/** @param {string} title @param {...any} children */
export function section(title, ...children) {
  return h("section.page-section", null, h("h3", { text: title }), ...children);
}

/** A definition list of the fields that have a value. @param {[string, any][]} rows */
export function fields(rows) {
  return h(
    "dl.fields",
    null,
    rows.filter(([, v]) => v !== undefined && v !== null && v !== "").map(([label, value]) => [h("dt", { text: label }), h("dd", null, value)]),
  );
}

/**
 * @template T
 * @param {T[]} rows
 * @param {[string, (row: T) => any][]} columns
 * @param {string} empty  what to say when there are no rows
 */
export function table(rows, columns, empty) {
  if (!rows.length) return h("p.muted.empty-note", { text: empty });
  return h(
    "div.table-wrap",
    null,
    h(
      "table.data",
      null,
      h("thead", null, h("tr", null, columns.map(([label]) => h("th", { text: label })))),
      h("tbody", null, rows.map((row) => h("tr", null, columns.map(([label, cell]) => h("td", { "data-label": label }, cell(row)))))),
    ),
  );
}

/** @param {string | null | undefined} iso */
export function when(iso) {
  return iso ? h("time", { datetime: iso, title: full(iso), text: ago(iso) }) : "—";
}

/** @param {string} text */
export const code = (text) => h("code", { text });

/** @param {unknown} value */
export const json = (value) => h("pre.json", { text: JSON.stringify(value, null, 2) });

/** 2048 → "2.0 KB". @param {number | null | undefined} n */
export function bytes(n) {
  const v = n ?? 0;
  if (v < 1024) return `${v} B`;
  if (v < 1024 * 1024) return `${(v / 1024).toFixed(1)} KB`;
  return `${(v / 1024 / 1024).toFixed(1)} MB`;
}

/** @param {string} text @param {string} [kind] */
export const badge = (text, kind = "neutral") => h(`span.badge.${kind}`, { text });

/** @param {string} path  e.g. "/v1/agents/agt_1" */
export const enc = (path) => path.split("/").map(encodeURIComponent).join("/");
