import type { Sandbox } from "../sandbox";
import { fsErrorMessage, MAX_FILE_BYTES, NO_ROOTS, resolveInWorkdir, type ToolRoots } from "./paths";
import { field, ToolError } from "./result";

/** `read`: a UTF-8 file relative to the workdir, optionally lines `[start, end]` (1-indexed, inclusive). */
export async function read(sandbox: Sandbox, input: unknown, _signal?: AbortSignal, roots: ToolRoots = NO_ROOTS): Promise<string> {
  const filePath = field(input, "file_path");
  if (!filePath) throw new ToolError("read: file_path is required");
  const abs = resolveInWorkdir(sandbox, filePath, roots);
  const viewRange = field<unknown[]>(input, "view_range", "object");
  if (viewRange?.length && viewRange.length !== 2) throw new ToolError("read: view_range must be [start_line, end_line]");
  const st = await sandbox.stat(abs);
  if (!st) throw new ToolError(`read: ${filePath}: no such file or directory`);
  if (st.type !== "file") throw new ToolError(`read: ${filePath} is not a regular file`);
  if (st.size > MAX_FILE_BYTES && !viewRange?.length) {
    throw new ToolError(
      `read: ${filePath} is ${st.size} bytes, exceeds ${MAX_FILE_BYTES}-byte limit. ` +
        "Use the view_range parameter to read specific line ranges, e.g. view_range: [1, 500].",
    );
  }
  let data: string;
  try {
    data = new TextDecoder().decode(await sandbox.readFile(abs));
  } catch (err) {
    throw new ToolError(`read: ${fsErrorMessage(err, filePath)}`);
  }
  if (!viewRange?.length) return data;
  const [startLine, endLine] = viewRange.map(Number);
  const lines = data.split("\n");
  const selected = lines.slice(Math.max(0, startLine - 1), endLine > 0 ? endLine : lines.length).join("\n");
  if (new TextEncoder().encode(selected).length > MAX_FILE_BYTES) {
    throw new ToolError(
      `read: view_range [${startLine}, ${endLine}] of ${filePath} exceeds ${MAX_FILE_BYTES}-byte limit. Narrow the view_range to read a smaller portion.`,
    );
  }
  return selected;
}
