import type { HandsContext, ToolUse } from "./index";

/** Cloud hands: the tool uses go to the session's sandbox Durable Object, which runs them and posts the results. */
export async function dispatchToSandbox(_ctx: HandsContext, _toolUses: ToolUse[]): Promise<void> {
  throw new Error("cloud sandboxes are not wired yet");
}
