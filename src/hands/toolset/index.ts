import type { Sandbox } from "../sandbox";
import type { ToolUse } from "../index";
import { bash } from "./bash";
import { edit } from "./edit";
import { glob } from "./glob";
import { grep } from "./grep";
import { read } from "./read";
import { ToolError, toolResult, type ToolResultEvent } from "./result";
import { write } from "./write";
import { NO_ROOTS, type ToolRoots } from "./paths";

export { ToolError, toolResult, type ToolResultEvent } from "./result";
export { NO_ROOTS, type ToolRoots } from "./paths";

type Tool = (sandbox: Sandbox, input: unknown, signal?: AbortSignal, roots?: ToolRoots) => Promise<string>;

/** `agent_toolset_20260401`, implemented on the Sandbox interface. */
export const TOOLS: Record<string, Tool> = { bash, read, write, edit, glob, grep };

/**
 * Runs one tool use and builds its `user.tool_result`. A tool's refusal (ToolError) is shown as is; any
 * other failure as `Error: <message>`, as the SDK's runner does, so the model can recover.
 */
export async function runToolUse(sandbox: Sandbox, toolUse: ToolUse, signal?: AbortSignal, roots: ToolRoots = NO_ROOTS): Promise<ToolResultEvent> {
  const tool = Object.hasOwn(TOOLS, toolUse.name) ? TOOLS[toolUse.name] : undefined;
  if (!tool) return toolResult(toolUse.id, `Error: unknown tool ${JSON.stringify(toolUse.name)}`, true);
  try {
    return toolResult(toolUse.id, await tool(sandbox, toolUse.input, signal, roots), false);
  } catch (err) {
    const text = err instanceof ToolError ? err.message : `Error: ${err instanceof Error ? err.message : String(err)}`;
    return toolResult(toolUse.id, text, true);
  }
}
