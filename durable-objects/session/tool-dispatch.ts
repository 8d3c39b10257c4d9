import { dispatchToolUses, prepareHands } from "../../src/hands";
import { runMcpToolUses } from "./mcp/run";
import type { SessionHost } from "./session-host";
import type { PendingToolUse, SessionState } from "./types";
import { runServerToolUses } from "./web-fetch";

/**
 * Where a session's tool uses run: built-in tools on the hands (results come back later through `sendEvents`),
 * MCP tools and web_fetch here in the brain (results commit as they land). Nothing here is awaited by the turn.
 */
export class ToolDispatch {
  constructor(private readonly deps: SessionHost) {}

  /** Starts every pending tool use that waits for a result (a commit's effects, or a wake-up resuming the turn). */
  runPending(pending: PendingToolUse[]) {
    const waiting = pending.filter((p) => p.awaiting === "result");
    this.dispatch(waiting.filter((p) => p.kind === "builtin"));
    this.runMcp(waiting.filter((p) => p.kind === "mcp"));
    this.runServerTools(waiting.filter((p) => p.kind === "server"));
  }

  /** MCP tool uses run here, in the brain (the credentials never reach the sandbox); results commit as they land. */
  runMcp(toolUses: PendingToolUse[]) {
    if (!this.deps.state() || !toolUses.length) return;
    runMcpToolUses(this.deps.mcp, () => this.deps.state(), toolUses, (fn) => this.deps.commit(fn).then(() => {}));
  }

  /** web_fetch runs here, in the brain, with no credential (web-fetch.ts); results commit as they land. */
  runServerTools(toolUses: PendingToolUse[]) {
    if (!this.deps.state() || !toolUses.length) return;
    runServerToolUses(this.deps.env, () => this.deps.state(), () => this.deps.log.after(0), toolUses, (fn) => this.deps.commit(fn));
  }

  /** Built-in tool uses go to the hands; results come back later as `user.tool_result` via `sendEvents`. */
  dispatch(toolUses: PendingToolUse[]) {
    const state = this.deps.state();
    if (!state || !toolUses.length) return;
    this.background(
      dispatchToolUses(this.handsOf(state), toolUses.map((p) => ({ id: p.eventId, name: p.name, input: p.input }))),
      "dispatching tool uses failed",
      state,
    );
  }

  /** A message may wake a long-dormant session whose work item is gone: queue it again (off the model's path). */
  wakeHands() {
    const state = this.deps.state();
    if (state) this.background(prepareHands(this.handsOf(state)), "queueing the session's hands failed", state);
  }

  private handsOf(state: SessionState) {
    return { env: this.deps.env, workspaceId: state.workspaceId, sessionId: state.sessionId, environmentId: state.environmentId };
  }

  private background(work: Promise<unknown>, message: string, state: SessionState) {
    this.deps.ctx.waitUntil(
      work.then(
        () => {},
        (err) => console.error(JSON.stringify({ level: "error", message, session: state.sessionId, error: String(err) })),
      ),
    );
  }
}
