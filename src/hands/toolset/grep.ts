import type { Sandbox } from "../sandbox";
import { isNoise, NO_ROOTS, resolveInWorkdir, type ToolRoots } from "./paths";
import { field, ToolError } from "./result";
import { compileLinearRegex, LinearRegexError, type LinearRegex } from "../../lib/linear-regex";

const OUTPUT_LIMIT = 100 * 1024;
/** Long lines are skipped, as the SDK's grep does (minified files would flood the output). */
const MAX_LINE_LENGTH = 2000;

/**
 * `grep`: lines matching a regex under the workdir (or `path`), as `file:line:text`. The pattern is the
 * model's, so it runs on RE2 (linear time): a catastrophic pattern costs no more than a plain one.
 */
export async function grep(sandbox: Sandbox, input: unknown, signal?: AbortSignal, roots: ToolRoots = NO_ROOTS): Promise<string> {
  const pattern = field(input, "pattern");
  if (!pattern) throw new ToolError("grep: pattern is required");
  let re: LinearRegex;
  try {
    re = compileLinearRegex(pattern);
  } catch (err) {
    if (err instanceof LinearRegexError) throw new ToolError(`grep: invalid regex: ${err.message}`);
    throw err;
  }
  const searchPath = field(input, "path");
  const root = searchPath ? resolveInWorkdir(sandbox, searchPath, roots) : sandbox.workdir;
  const st = await sandbox.stat(root);
  if (!st) throw new ToolError(`grep: ${searchPath ?? "."}: no such file or directory`);
  const files = st.type === "file" ? [{ path: root }] : (await sandbox.listFiles(root)).filter((f) => !isNoise(f.path.slice(root.length)));
  files.sort((a, b) => (a.path < b.path ? -1 : 1));

  const hits: string[] = [];
  let budget = OUTPUT_LIMIT;
  search: for (const file of files) {
    if (signal?.aborted) throw new ToolError("grep: aborted");
    let bytes: Uint8Array;
    try {
      bytes = await sandbox.readFile(file.path);
    } catch {
      continue; // unreadable: skipped, like the SDK's walker
    }
    if (bytes.includes(0)) continue; // binary
    const lines = new TextDecoder().decode(bytes).split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line.length > MAX_LINE_LENGTH || !re.test(line)) continue;
      const hit = `${file.path}:${i + 1}:${line}`;
      budget -= hit.length + 1;
      if (budget < 0) {
        hits.push(`[output truncated at ${OUTPUT_LIMIT} bytes]`);
        break search;
      }
      hits.push(hit);
    }
  }
  return hits.length ? hits.join("\n") : "no matches";
}
