/**
 * Reads the top-level scalar keys of a Markdown file's YAML front matter — enough YAML for
 * SKILL.md (`name`, `description`, `license`...): plain, quoted, and block (`|`, `>`) scalars,
 * multi-line plain scalars. Nested mappings and lists are skipped, not parsed; a key whose value
 * is one comes back as `null` so callers can say "must be a string".
 *
 * Uploaded text is parsed in the Worker every tenant shares, so every step here is a single forward scan
 * (no regex that can backtrack over a line): a 195 KiB SKILL.md of spaces took 27 s with the old regexes.
 *
 * Returns undefined when the text does not open with a `---` front matter block.
 */
export function frontMatter(text: string): Record<string, string | null> | undefined {
  const lines = (text.startsWith("\uFEFF") ? text.slice(1) : text).split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines[0].trimEnd() !== "---") return undefined;
  const close = lines.findIndex((line, i) => i > 0 && (line.trimEnd() === "---" || line.trimEnd() === "..."));
  if (close < 0) return undefined;
  const body = lines.slice(1, close);

  const out: Record<string, string | null> = {};
  for (let i = 0; i < body.length; i++) {
    const line = body[i];
    if (line === "" || isSpace(line[0]) || line[0] === "#") continue;
    const entry = keyAndValue(line);
    if (!entry) continue;
    const { key } = entry;
    const raw = stripComment(entry.value);

    // Indented lines that follow belong to this key (block scalar, continuation, or nested value).
    let end = i + 1;
    while (end < body.length && (body[end].trim() === "" || isSpace(body[end][0]))) end++;
    const continuation = body.slice(i + 1, end);
    i = end - 1;

    if (isBlockHeader(raw)) {
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

const isSpace = (c: string | undefined) => c === " " || c === "\t";

/** `key: value`, `"key": value` or `'key': value`; undefined for anything else (`a:b` is not a key). */
function keyAndValue(line: string): { key: string; value: string } | undefined {
  let key: string;
  let colon: number;
  if (line[0] === '"' || line[0] === "'") {
    const closing = line.indexOf(line[0], 1);
    if (closing < 0) return undefined;
    key = line.slice(1, closing);
    colon = closing + 1;
    while (isSpace(line[colon])) colon++;
    if (line[colon] !== ":") return undefined;
  } else {
    if (line[0] === ":") return undefined;
    colon = line.indexOf(":");
    if (colon < 0) return undefined;
    key = line.slice(0, colon).trimEnd();
  }
  const rest = line.slice(colon + 1);
  if (rest !== "" && !isSpace(rest[0])) return undefined;
  return { key, value: rest.trim() };
}

/** `|`, `>`, with an optional chomping indicator and indentation digits. */
function isBlockHeader(raw: string): boolean {
  if (raw[0] !== "|" && raw[0] !== ">") return false;
  let i = 1;
  if (raw[i] === "-" || raw[i] === "+") i++;
  while (i < raw.length && raw[i] >= "0" && raw[i] <= "9") i++;
  return i === raw.length;
}

/** Drops a trailing ` # comment` from a plain scalar. */
function stripComment(value: string): string {
  if (value.startsWith('"') || value.startsWith("'")) return value;
  for (let i = 1; i < value.length; i++) {
    if (value[i] === "#" && isSpace(value[i - 1])) return value.slice(0, i).trim();
  }
  return value.trim();
}

/** A quoted scalar (a trailing comment allowed), or null if it is not closed. */
function quoted(value: string): string | null {
  const quote = value[0];
  let i = 1;
  let inner = "";
  for (; i < value.length; i++) {
    const c = value[i];
    if (quote === "'" && c === "'") {
      if (value[i + 1] !== "'") break;
      inner += "'";
      i++;
    } else if (quote === '"' && c === "\\" && i + 1 < value.length) {
      inner += c + value[++i];
    } else if (c === quote) break;
    else inner += c;
  }
  if (i >= value.length) return null;
  const after = value.slice(i + 1).trim();
  if (after !== "" && !after.startsWith("#")) return null;
  if (quote === "'") return inner;
  try {
    return JSON.parse(`"${inner}"`) as string;
  } catch {
    return inner;
  }
}

function blockScalar(header: string, lines: string[]): string {
  const folded = header.startsWith(">");
  const chomp = header.includes("-") ? "strip" : header.includes("+") ? "keep" : "clip";
  let indent = Infinity;
  for (const l of lines) if (l.trim()) indent = Math.min(indent, l.length - l.trimStart().length);
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
  let bodyEnd = text.length;
  while (bodyEnd > 0 && text[bodyEnd - 1] === "\n") bodyEnd--;
  const body = text.slice(0, bodyEnd);
  if (chomp === "strip") return body;
  if (chomp === "keep") return text.endsWith("\n") ? text : `${text}\n`;
  return body ? `${body}\n` : "";
}
