// Percentiles, tables, progress lines and the results files every benchmark writes.
import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { root } from "../../test/helpers/local-stack.mjs";

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples, p) {
  if (!samples.length) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarize(samples) {
  const n = samples.length;
  return {
    n,
    p50: round(percentile(samples, 50)),
    p99: round(percentile(samples, 99)),
    mean: round(n ? samples.reduce((a, b) => a + b, 0) / n : NaN),
    min: round(n ? Math.min(...samples) : NaN),
    max: round(n ? Math.max(...samples) : NaN),
  };
}

export const round = (x, digits = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);

/** Prints rows (objects) as an aligned table; returns the text (for the README). */
export function table(title, rows, columns = Object.keys(rows[0] ?? {})) {
  const cells = rows.map((row) => columns.map((c) => format(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  // Numbers align right, text left.
  const numeric = columns.map((c) => rows.every((row) => row[c] === null || row[c] === undefined || typeof row[c] === "number"));
  const pad = (v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]));
  const line = (values) => `| ${values.map(pad).join(" | ")} |`;
  const text = [
    `${title}`,
    "",
    line(columns.map((c, i) => pad(c, i))),
    `|${widths.map((w, i) => (numeric[i] ? `${"-".repeat(w + 1)}:` : `:${"-".repeat(w + 1)}`)).join("|")}|`,
    ...cells.map(line),
  ].join("\n");
  console.log(`\n${text}\n`);
  return text;
}

const format = (v) => (v === null || v === undefined ? "–" : typeof v === "number" ? String(round(v)) : String(v));

/** A progress reporter: rewrites one line on a terminal, prints every ~10% otherwise. */
export function progress(label, total) {
  const tty = process.stdout.isTTY;
  let done = 0;
  let lastShown = -1;
  const started = Date.now();
  const show = (final = false) => {
    const pct = total ? Math.floor((done / total) * 100) : 100;
    if (!tty && final && lastShown === pct) return;
    const text = `  ${label}: ${done}/${total} (${pct}%) ${((Date.now() - started) / 1000).toFixed(1)}s`;
    if (tty) process.stdout.write(`\r${text}${final ? "\n" : ""}`);
    else if (final || Math.floor(pct / 10) > Math.floor(lastShown / 10)) console.log(text);
    lastShown = pct;
  };
  return {
    tick(n = 1) {
      done += n;
      show(false);
    },
    done() {
      show(true);
    },
  };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The machine and code the numbers came from: they mean little without it. */
export function environment() {
  let commit = "unknown";
  try {
    commit = execSync("git rev-parse --short HEAD", { cwd: root, encoding: "utf8" }).trim();
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    commit,
    node: process.version,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? "unknown",
    load_average_1m: round(os.loadavg()[0]),
    stack: "wrangler dev (local workerd, D1, DO, R2) + fake model server, both on 127.0.0.1",
  };
}

/** Writes `bench/results/<name>.json`. */
export function writeResult(name, data, dir = path.join(root, "bench", "results")) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, environment: environment(), ...data }, null, 2) + "\n");
  console.log(`  → ${path.relative(root, file)}`);
  return file;
}
