// How results are printed: aligned columns for people, `--json` for scripts.

export function printTable(rows, columns) {
  if (!rows.length) return console.log("(none)");
  const cells = rows.map((row) => columns.map(([, pick]) => String(pick(row) ?? "")));
  const widths = columns.map(([title], i) => Math.max(title.length, ...cells.map((c) => c[i].length)));
  const line = (values) => values.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  console.log(line(columns.map(([title]) => title.toUpperCase())));
  for (const c of cells) console.log(line(c));
}

export function printJson(value) {
  console.log(JSON.stringify(value, null, 2));
}

/** Prints one object as `field: value` lines, or JSON with --json. */
export function printObject(value, flags) {
  if (flags.json) return printJson(value);
  for (const [key, field] of Object.entries(value)) {
    console.log(`${key}: ${typeof field === "object" && field !== null ? JSON.stringify(field) : field}`);
  }
}

export const tokens = (usage) => {
  if (!usage) return "";
  const cache = (usage.cache_read_input_tokens ?? 0) + cacheCreated(usage);
  return `${usage.input_tokens ?? 0} in / ${usage.output_tokens ?? 0} out${cache ? ` / ${cache} cache` : ""}`;
};

/** A BetaMonetaryAmount (`amount` in minor units, e.g. "250" = 2.50) as "2.50 USD"; "" when absent. */
export const money = (amount) => (amount ? `${(Number(amount.amount) / 100).toFixed(2)} ${amount.currency}` : "");

export function cacheCreated(usage) {
  const creation = usage?.cache_creation;
  if (!creation) return usage?.cache_creation_input_tokens ?? 0;
  return Object.values(creation).reduce((sum, n) => sum + (typeof n === "number" ? n : 0), 0);
}
