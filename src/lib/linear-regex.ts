import { RE2JS } from "re2js";

/**
 * Regular expressions from the model or a user run on RE2 (re2js, the engine just-bash's own grep/sed/awk use):
 * matching is linear in the input whatever the pattern, so `^(a+)+$` cannot stall the isolate that every other
 * tenant shares. The price is RE2's syntax: no backreferences, no lookaround (ripgrep's syntax, which the
 * toolset's `grep` documents, has neither either).
 */
export interface LinearRegex {
  /** True if the pattern matches somewhere in `text` (anchors are the pattern's own). */
  test(text: string): boolean;
}

export class LinearRegexError extends Error {}

export function compileLinearRegex(pattern: string, options: { ignoreCase?: boolean } = {}): LinearRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new LinearRegexError(`${message} (patterns run on a linear-time RE2 engine: no backreferences or lookaround)`);
  }
  return { test: (text) => re.test(text) };
}
