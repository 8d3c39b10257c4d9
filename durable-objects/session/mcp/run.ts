import { completeMcpToolUse, type Transition } from "../session-state";
import type { PendingToolUse, SessionState } from "../types";
import type { McpHub } from "./hub";
import { commitToolResult, runEachOnce } from "../run-once";

/** Tool uses being run by this instance: a wake-up that re-dispatches the turn's pending calls skips these. */
const running = new WeakMap<McpHub, Set<string>>();

/** Runs MCP tool uses concurrently, committing each result (or typed failure) as it lands. */
export function runMcpToolUses(
  hub: McpHub,
  state: () => SessionState | undefined,
  toolUses: PendingToolUse[],
  commit: (fn: (t: Transition) => void) => Promise<void>,
) {
  const inflight = running.get(hub) ?? new Set<string>();
  running.set(hub, inflight);
  runEachOnce(inflight, toolUses, "an MCP tool use", async (pending) => {
    const current = state();
    if (!current) return;
    const outcome = await hub.call(current, pending);
    if (!state()) return;
    if (outcome.ok) {
      await commitToolResult({ content: outcome.content, isError: outcome.isError }, (r) => commit((t) => completeMcpToolUse(t, pending.eventId, r)));
    } else {
      const { failure } = outcome;
      await commit((t) =>
        completeMcpToolUse(t, pending.eventId, {
          content: [{ type: "text", text: failure.message }],
          isError: true,
          error: { type: failure.type, mcp_server_name: failure.serverName, message: failure.message },
        }),
      );
    }
  });
}
