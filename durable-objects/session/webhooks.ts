import type { WorkspaceEventType } from "../../src/webhooks/events";
import type { SessionEvent } from "./types";

/**
 * The webhook events a committed session event stands for. Status changes are announced in both of the
 * SDK's families: the session's status (`session.running`, `session.idled`, `session.requires_action`) and
 * the status events of the stream (`session.status_run_started`, `session.status_idled`, ...); an endpoint
 * subscribes to the family it wants. Creation, archive and deletion are announced where they happen.
 */
export function webhookTypesFor(event: SessionEvent): WorkspaceEventType[] {
  switch (event.type) {
    case "session.status_running":
      // A running session's hands status (waiting for a worker, or one arrived) is not a new run.
      return "waiting_for_hands" in event ? [] : ["session.running", "session.status_run_started"];
    case "session.status_idle":
      return event.stop_reason.type === "requires_action"
        ? ["session.idled", "session.requires_action", "session.status_idled"]
        : ["session.idled", "session.status_idled"];
    case "session.status_rescheduled":
      return ["session.status_rescheduled"];
    case "session.status_terminated":
      return ["session.status_terminated"];
    case "session.updated":
      return ["session.updated"];
    default:
      return [];
  }
}
