import type { Env } from "../../src/env";
import type { EventLog } from "./event-log";
import type { McpHub } from "./mcp/hub";
import type { Transition } from "./session-state";
import type { SessionState, StoredEvent } from "./types";

/** What the parts of a session's Durable Object (its runners, its tool dispatch) need from the object itself. */
export interface SessionHost {
  ctx: DurableObjectState;
  env: Env;
  log: EventLog;
  mcp: McpHub;
  /** The current state; undefined once the session is deleted. */
  state(): SessionState | undefined;
  /** The DO's commit: events and state in one SQLite transaction, then subscribers and effects. */
  commit(fn: (t: Transition) => void): Promise<StoredEvent[]>;
}
