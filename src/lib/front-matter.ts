/**
 * Reads the top-level scalar keys of a Markdown file's YAML front matter — enough YAML for
 * SKILL.md (`name`, `description`, `license`...): plain, quoted, and block (`|`, `>`) scalars,
 * multi-line plain scalars. Nested mappings and lists are skipped, not parsed; a key whose value
 * is one comes back as `null` so callers can say "must be a string".
 *
 * Returns undefined when the text does not open with a `---` front matter block.
 */
export function frontMatter(text: string): Record<string, string | null> | undefined {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0].trimEnd() !== "---") return undefined;
  const close = lines.findIndex((line, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(line));
  if (close < 0) return undefined;
  const body = lines.slice(1, close);

  const out: Record<string, string | null> = {};
  for (let i = 0; i < body.length; i++) {
    const line = body[i];
    if (/^\s*(#.*)?$/.test(line) || /^\s/.test(line)) continue;
    const match = line.match(/^("[^"]*"|'[^']*'|[^:#][^:]*?)\s*:(?:\s+(.*?))?\s*$/);
    if (!match) continue;
    const key = match[1].replace(/^["']|["']$/g, "");
    const raw = stripComment(match[2] ?? "");

    // Indented lines that follow belong to this key (block scalar, continuation, or nested value).
    let end = i + 1;
    while (end < body.length && (/^\s+\S/.test(body[end]) || body[end].trim() === "")) end++;
    const continuation = body.slice(i + 1, end);
    i = end - 1;

    if (/^[|>][-+]?\d*$/.test(raw)) {
      out[key] = blockScalar(raw, continuation);
    } else if (raw === "") {
      // A nested mapping or list, or an empty value.
      out[key] = continuation.some((l) => l.trim()) ? null : "";
    } else if (raw.startsWith('"') || raw.startsWith("'")) {
      out[key] = quoted([raw, ...continuation.map((l) => l.trim())].join(" ").trim());
    } else if (raw.startsWith("[") || raw.startsWith("{")) {
      out[key] = null;
    } else {
      out[key] = [raw, ...continuation.map((l) => stripComment(l.trim()))].filter(Boolean).join(" ");
    }
  }
  return out;
}

function stripComment(value: string): string {
  if (value.startsWith('"') || value.startsWith("'")) return value;
  return value.replace(/\s+#.*$/, "").trim();
}

/** A quoted scalar (a trailing comment allowed), or null if it is not closed. */
function quoted(value: string): string | null {
  const single = value.match(/^'((?:[^']|'')*)'\s*(#.*)?$/);
  if (single) return single[1].replace(/''/g, "'");
  const double = value.match(/^"((?:[^"\\]|\\.)*)"\s*(#.*)?$/);
  if (!double) return null;
  try {
    return JSON.parse(`"${double[1]}"`) as string;
  } catch {
    return double[1];
  }
}

function blockScalar(header: string, lines: string[]): string {
  const folded = header.startsWith(">");
  const chomp = header.includes("-") ? "strip" : header.includes("+") ? "keep" : "clip";
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^\s*/)![0].length));
  const content = lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0));
  let text: string;
  if (folded) {
    // Lines fold into spaces; blank lines stay as newlines.
    text = content.reduce((acc, line, i) => {
      if (i === 0) return line;
      if (line === "") return `${acc}\n`;
      return acc.endsWith("\n") ? `${acc}${line}` : `${acc} ${line}`;
    }, "");
  } else {
    text = content.join("\n");
  }
  const body = text.replace(/\n+$/, "");
  if (chomp === "strip") return body;
  if (chomp === "keep") return text.endsWith("\n") ? text : `${text}\n`;
  return body ? `${body}\n` : "";
}
