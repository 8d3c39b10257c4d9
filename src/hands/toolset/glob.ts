import type { Sandbox } from "../sandbox";
import { fsErrorMessage, isNoise, isWithin, resolveInWorkdir } from "./paths";
import { field, ToolError } from "./result";

const RESULT_LIMIT = 200;

/** Translates a glob (`**`, `*`, `?`, `[...]`, `{a,b}`) to an anchored regex over `/`-separated relative paths. */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        const slash = pattern[i + 2] === "/";
        re += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        const body = pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = end;
      }
    } else if (c === "{") {
      braces++;
      re += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      re += ")";
    } else if (c === "," && braces > 0) re += "|";
    else re += c.replace(/[.+^$()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** `glob`: files under the workdir (or `path`) matching `pattern`, newest first, at most 200. */
export async function glob(sandbox: Sandbox, input: unknown): Promise<string> {
  const pattern = field(input, "pattern");
  if (!pattern) throw new ToolError("glob: pattern is required");
  if (pattern.startsWith("/")) throw new ToolError("glob: absolute pattern not permitted; pass a relative pattern (and optionally path)");
  if (pattern.split(/[\\/{},]/).includes("..")) throw new ToolError('glob: ".." is not permitted in the pattern');
  const searchPath = field(input, "path");
  const root = searchPath ? resolveInWorkdir(sandbox, searchPath) : sandbox.workdir;
  const matcher = globToRegExp(pattern);
  let files;
  try {
    files = await sandbox.listFiles(root);
  } catch (err) {
    throw new ToolError(`glob: ${fsErrorMessage(err, searchPath ?? ".")}`);
  }
  const matches = files.filter((f) => {
    if (!isWithin(root, f.path) || f.path === root) return false;
    const rel = f.path.slice(root === "/" ? 1 : root.length + 1);
    return !isNoise(rel) && matcher.test(rel);
  });
  if (matches.length === 0) return "no matches";
  return matches
    .sort((a, b) => b.mtimeMs - a.mtimeMs)
    .slice(0, RESULT_LIMIT)
    .map((m) => m.path)
    .join("\n");
}
