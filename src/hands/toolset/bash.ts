import type { Sandbox } from "../sandbox";
import { field, ToolError } from "./result";

const DEFAULT_TIMEOUT_MS = 120_000;

/** `bash`: a command in the session's persistent shell; a non-zero exit is an error carrying the output. */
export async function bash(sandbox: Sandbox, input: unknown, signal?: AbortSignal): Promise<string> {
  const command = field(input, "command");
  if (field<boolean>(input, "restart", "boolean")) {
    await sandbox.restartShell();
    if (!command) return "bash session restarted";
  }
  if (!command) throw new ToolError("bash: command is required");
  let result;
  try {
    result = await sandbox.exec(command, { timeoutMs: field<number>(input, "timeout_ms", "number") ?? DEFAULT_TIMEOUT_MS, signal });
  } catch (err) {
    // The shell's state is unknown after a timeout or an abort: the next call starts a fresh one.
    await sandbox.restartShell().catch(() => {});
    throw new ToolError(`bash: ${err instanceof Error ? err.message : String(err)}`);
  }
  const output = result.truncated ? `[output truncated]\n${result.output}` : result.output;
  if (result.exitCode !== 0) throw new ToolError(output || `exit ${result.exitCode}`);
  return output;
}
