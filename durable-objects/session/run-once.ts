import type { PendingToolUse } from "./types";

/**
 * Starts each tool use the brain runs itself (MCP calls, web_fetch) concurrently, at most once per `running` set:
 * a wake-up that re-dispatches the turn's pending calls skips those still running here. `run` commits its own
 * result; a failure is logged, and the call stays pending for the next wake-up to retry.
 */
export function runEachOnce(running: Set<string>, toolUses: PendingToolUse[], what: string, run: (pending: PendingToolUse) => Promise<void>) {
  for (const pending of toolUses) {
    if (running.has(pending.eventId)) continue;
    running.add(pending.eventId);
    void run(pending)
      .catch((err) => console.error(JSON.stringify({ level: "error", message: `running ${what} failed`, tool_use: pending.eventId, error: String(err) })))
      .finally(() => running.delete(pending.eventId));
  }
}
