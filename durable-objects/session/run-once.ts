import { jsonBytes, MAX_EVENT_BYTES, oversizeResult } from "./event-size";
import { InvalidEvent, type PendingToolUse } from "./types";

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

type ToolOutcome = { content: unknown[]; isError: boolean };

/**
 * Commits the result of a tool the brain ran. One too large for an event, or whose commit fails (a storage
 * error), is committed as an error result instead: the turn goes on and the session never stays `running`
 * waiting for a result that was lost.
 */
export async function commitToolResult<R extends ToolOutcome>(result: R, commit: (result: ToolOutcome) => Promise<unknown>): Promise<void> {
  const bytes = jsonBytes(result.content);
  if (bytes > MAX_EVENT_BYTES) {
    await commit(oversizeResult(bytes));
    return;
  }
  try {
    await commit(result);
  } catch (err) {
    if (err instanceof InvalidEvent) throw err;
    console.error(JSON.stringify({ level: "error", message: "storing a tool result failed", error: String(err) }));
    await commit({ content: [{ type: "text", text: `The tool's result could not be stored: ${String(err)}` }], isError: true });
  }
}
