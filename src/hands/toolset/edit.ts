import type { Sandbox } from "../sandbox";
import { assertNotReadOnly, fsErrorMessage, MAX_FILE_BYTES, NO_ROOTS, resolveInWorkdir, type ToolRoots } from "./paths";
import { field, ToolError } from "./result";

/** `edit`: replace `old_string` (unique unless `replace_all`) with `new_string`. */
export async function edit(sandbox: Sandbox, input: unknown, _signal?: AbortSignal, roots: ToolRoots = NO_ROOTS): Promise<string> {
  const filePath = field(input, "file_path");
  const oldString = field(input, "old_string");
  const newString = field(input, "new_string") ?? "";
  const replaceAll = field<boolean>(input, "replace_all", "boolean") ?? false;
  if (!filePath) throw new ToolError("edit: file_path is required");
  if (!oldString) throw new ToolError("edit: old_string is required");
  const abs = resolveInWorkdir(sandbox, filePath, roots);
  assertNotReadOnly(roots, abs, "edit", filePath);
  const st = await sandbox.stat(abs);
  if (!st) throw new ToolError(`edit: ${filePath}: no such file or directory`);
  if (st.type !== "file") throw new ToolError(`edit: ${filePath} is not a regular file`);
  if (st.size > MAX_FILE_BYTES) {
    throw new ToolError(
      `edit: ${filePath} is ${st.size} bytes, exceeds ${MAX_FILE_BYTES}-byte limit. The edit tool loads the whole file and cannot modify a file this large.`,
    );
  }
  let data: string;
  try {
    data = new TextDecoder().decode(await sandbox.readFile(abs));
  } catch (err) {
    throw new ToolError(`edit: ${fsErrorMessage(err, filePath)}`);
  }
  const count = data.split(oldString).length - 1;
  if (count === 0) throw new ToolError(`edit: old_string not found in ${filePath}`);
  if (!replaceAll && count > 1) throw new ToolError(`edit: old_string appears ${count} times in ${filePath} (must be unique)`);
  // The callback keeps `$&` and friends in new_string literal.
  const updated = replaceAll ? data.split(oldString).join(newString) : data.replace(oldString, () => newString);
  try {
    await sandbox.writeFile(abs, updated);
  } catch (err) {
    throw new ToolError(`edit: write: ${fsErrorMessage(err, filePath)}`);
  }
  return `edited ${filePath} (${replaceAll ? count : 1} replacement(s))`;
}
