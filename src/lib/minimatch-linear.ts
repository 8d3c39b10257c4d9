import { compileGlob } from "./glob-match";

/**
 * Stands in for the `minimatch` package inside the Worker bundle (`[alias]` in wrangler.toml). just-bash's `ls`
 * matches every path of the filesystem against an unexpanded glob argument with minimatch, which compiles to a
 * backtracking RegExp: `ls '*a*a*a*a*a*a*a*ab'` next to a 60-character name took 1.6 s, and each extra star
 * multiplies that. Here the glob runs on RE2 (glob-match.ts), linear in the path. Only the named export
 * just-bash imports is provided; a pattern that never names a dot matches no dotfile unless `dot` is set, as with minimatch.
 */
let last: { pattern: string; dot: boolean; match: (path: string) => boolean } | undefined;

export function minimatch(path: string, pattern: string, options: { dot?: boolean } = {}): boolean {
  const dot = options.dot ?? false;
  if (last?.pattern !== pattern || last.dot !== dot) last = { pattern, dot, match: compileGlob(pattern) };
  const namesDot = pattern.startsWith(".") || pattern.includes("/.");
  if (!dot && !namesDot && path.split("/").some((part) => part.startsWith(".") && part !== "." && part !== "..")) return false;
  return last.match(path);
}
