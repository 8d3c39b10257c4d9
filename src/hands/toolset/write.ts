import type { Sandbox } from "../sandbox";
import { assertNotReadOnly, fsErrorMessage, NO_ROOTS, resolveInWorkdir, type ToolRoots } from "./paths";
import { field, ToolError } from "./result";

/** `write`: a UTF-8 file relative to the workdir, parents created as needed. */
export async function write(sandbox: Sandbox, input: unknown, _signal?: AbortSignal, roots: ToolRoots = NO_ROOTS): Promise<string> {
  const filePath = field(input, "file_path");
  if (!filePath) throw new ToolError("write: file_path is required");
  const abs = resolveInWorkdir(sandbox, filePath, roots);
  assertNotReadOnly(roots, abs, "write", filePath);
  const content = field(input, "content") ?? "";
  try {
    await sandbox.writeFile(abs, content);
  } catch (err) {
    throw new ToolError(`write: ${fsErrorMessage(err, filePath)}`);
  }
  return `wrote ${new TextEncoder().encode(content).length} bytes to ${filePath}`;
}
