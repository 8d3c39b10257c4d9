// `--name value` / `--name=value` / `--flag` command-line options, with numeric defaults.
export function parseArgs(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split("=", 2);
    if (inline !== undefined) out[name] = inline;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith("--")) out[name] = argv[++i];
    else out[name] = true;
  }
  return out;
}

/** A numeric option; accepts `100k` and `1e5`. */
export function num(args, name, fallback) {
  const value = args[name];
  if (value === undefined || value === true) return fallback;
  const text = String(value).toLowerCase();
  const n = text.endsWith("k") ? Number(text.slice(0, -1)) * 1000 : Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number, got ${value}`);
  return Math.round(n);
}

/** `--only a,b`: which parts to run (all when absent). */
export function selected(args, all) {
  if (!args.only) return all;
  const wanted = String(args.only).split(",").map((s) => s.trim());
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length) throw new Error(`--only: unknown ${unknown.join(", ")} (choose from ${all.join(", ")})`);
  return all.filter((a) => wanted.includes(a));
}
