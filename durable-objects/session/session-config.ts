import type { Transition } from "./session-state";
import { InvalidEvent, type EventDraft, type SessionState } from "./types";

/** What `sessions.update` may change. */
export interface ConfigPatch {
  title?: string | null;
  metadata?: Record<string, string | null> | null;
  agent?: { tools?: SessionState["agent"]["tools"]; mcp_servers?: SessionState["agent"]["mcp_servers"] };
}

/** A session update: emits `session.updated` with just the fields that changed (none changed, no event). */
export function updateConfig(t: Transition, patch: ConfigPatch) {
  const s = t.state;
  const changed: Record<string, unknown> = {};
  if (patch.agent && (patch.agent.tools !== undefined || patch.agent.mcp_servers !== undefined)) {
    if (s.archivedAt || s.status === "terminated") throw new InvalidEvent("agent: the session is no longer active");
    if (s.status !== "idle" || t.state.turn.pending.length) {
      throw new InvalidEvent("agent: the session must be idle to update its agent; send user.interrupt first");
    }
    const next = { ...s.agent };
    if (patch.agent.tools !== undefined) next.tools = patch.agent.tools;
    if (patch.agent.mcp_servers !== undefined) next.mcp_servers = patch.agent.mcp_servers;
    if (JSON.stringify(next) !== JSON.stringify(s.agent)) {
      s.agent = next;
      changed.agent = next;
    }
  }
  if (patch.title !== undefined && patch.title !== s.title) {
    s.title = patch.title;
    changed.title = patch.title;
  }
  if (patch.metadata !== undefined) {
    const next = { ...s.metadata };
    if (patch.metadata === null) for (const key of Object.keys(next)) delete next[key];
    else for (const [key, value] of Object.entries(patch.metadata)) value === null ? delete next[key] : (next[key] = value);
    if (Object.keys(next).length > 16) throw new InvalidEvent("metadata: at most 16 keys");
    if (JSON.stringify(next) !== JSON.stringify(s.metadata)) {
      s.metadata = next;
      if (Object.keys(next).length) changed.metadata = next;
    }
  }
  if (Object.keys(changed).length || patch.metadata !== undefined) t.touch();
  if (Object.keys(changed).length) t.emit({ type: "session.updated", ...changed } as EventDraft);
}
