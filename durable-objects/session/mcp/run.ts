import { completeMcpToolUse, type Transition } from "../session-state";
import type { PendingToolUse, SessionState } from "../types";
import type { McpHub } from "./hub";

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
  for (const pending of toolUses) {
    if (inflight.has(pending.eventId)) continue;
    inflight.add(pending.eventId);
    void (async () => {
      try {
        const current = state();
        if (!current) return;
        const outcome = await hub.call(current, pending);
        if (!state()) return;
        if (outcome.ok) {
          await commit((t) => completeMcpToolUse(t, pending.eventId, { content: outcome.content, isError: outcome.isError }));
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
      } catch (err) {
        console.error(JSON.stringify({ level: "error", message: "running an MCP tool use failed", tool_use: pending.eventId, error: String(err) }));
      } finally {
        inflight.delete(pending.eventId);
      }
    })();
  }
}
