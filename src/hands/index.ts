import type { Env } from "../env";

/** A built-in toolset call (`agent.tool_use`) the brain wants executed by the session's hands. */
export interface ToolUse {
  /** The `agent.tool_use` event id; the result must come back as `user.tool_result` with this `tool_use_id`. */
  id: string;
  name: string;
  input: unknown;
}

export interface HandsContext {
  env: Env;
  workspaceId: string;
  sessionId: string;
  environmentId: string;
}

/**
 * The seam between the brain (session DO) and the hands (self-hosted workers, containers, the in-isolate sandbox).
 * The brain calls this after appending `agent.tool_use` events and never waits on it for the result: results come
 * back to the session as `user.tool_result` events through the session's normal send path. Must be idempotent:
 * the brain may call it again after a crash or on wake for the same pending tool uses.
 *
 * Built by the hands issue; until then tool calls simply wait for a `user.tool_result` sent by a client.
 */
export async function dispatchToolUses(_ctx: HandsContext, _toolUses: ToolUse[]): Promise<void> {}
