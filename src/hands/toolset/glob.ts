import type { Sandbox } from "../sandbox";
import { compileGlob, GlobError } from "../../lib/glob-match";
import { fsErrorMessage, isNoise, isWithin, NO_ROOTS, resolveInWorkdir, type ToolRoots } from "./paths";
import { field, ToolError } from "./result";

const RESULT_LIMIT = 200;

/** `glob`: files under the workdir (or `path`) matching `pattern`, newest first, at most 200. */
export async function glob(sandbox: Sandbox, input: unknown, _signal?: AbortSignal, roots: ToolRoots = NO_ROOTS): Promise<string> {
  const pattern = field(input, "pattern");
  if (!pattern) throw new ToolError("glob: pattern is required");
  if (pattern.startsWith("/")) throw new ToolError("glob: absolute pattern not permitted; pass a relative pattern (and optionally path)");
  if (pattern.split(/[\\/{},]/).includes("..")) throw new ToolError('glob: ".." is not permitted in the pattern');
  const searchPath = field(input, "path");
  const root = searchPath ? resolveInWorkdir(sandbox, searchPath, roots) : sandbox.workdir;
  let matcher: (path: string) => boolean;
  try {
    matcher = compileGlob(pattern);
  } catch (err) {
    if (err instanceof GlobError) throw new ToolError(`glob: ${err.message}`);
    throw err;
  }
  let files;
  try {
    files = await sandbox.listFiles(root);
  } catch (err) {
    throw new ToolError(`glob: ${fsErrorMessage(err, searchPath ?? ".")}`);
  }
  const matches = files.filter((f) => {
    if (!isWithin(root, f.path) || f.path === root) return false;
    const rel = f.path.slice(root === "/" ? 1 : root.length + 1);
    return !isNoise(rel) && matcher(rel);
  });
  if (matches.length === 0) return "no matches";
  return matches
    .sort((a, b) => b.mtimeMs - a.mtimeMs)
    .slice(0, RESULT_LIMIT)
    .map((m) => m.path)
    .join("\n");
}
