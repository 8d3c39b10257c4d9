import type { BetaManagedAgentsSessionThreadAgent } from "@anthropic-ai/sdk/resources/beta/agents/agents";
import type { BetaManagedAgentsInlineAgent } from "@anthropic-ai/sdk/resources/beta/sessions/threads";
import { primaryThreadId } from "./thread-view";
import { initialWorkflows, type WorkflowsState } from "./workflows";
import type { Lifecycle, SessionAgent, SessionState, TurnState } from "./types";

/**
 * What a multiagent session stores about its threads (`SessionState.threads`), the roster its primary may spawn
 * from, and the projection through which every session transition runs on one thread (`threadView`). How a
 * transition touches threads is threads.ts (`ThreadTx`).
 */

export type ThreadAgent = BetaManagedAgentsSessionThreadAgent | BetaManagedAgentsInlineAgent;

export interface ThreadRecord extends Lifecycle {
  id: string;
  parentId: string | null;
  /** Children only: the agent snapshot the thread runs (the primary runs the session's agent). */
  agent?: ThreadAgent;
  /** Children only: the primary's turn is the session's `turn`. */
  turn?: TurnState;
  /** A thread a workflow run created (workflows.ts). */
  workflowRunId?: string;
}

export interface RosterEntry {
  name: string;
  description: string | null;
  agent: BetaManagedAgentsSessionThreadAgent;
}

export interface ThreadsState {
  primaryId: string;
  /** Every thread, primary first, in creation order. */
  byId: Record<string, ThreadRecord>;
  /** Agents the primary may spawn, by name. */
  roster: RosterEntry[];
  /** Whether the primary may define agents inline when it spawns. */
  inline: boolean;
  /** The primary's workflow runs, when its agent may start them (workflows.ts). */
  workflows?: WorkflowsState;
}

/** Concurrent child threads per session (archive finished ones to make room), as the hosted API limits them. */
export const MAX_LIVE_THREADS = 25;

/** The threads a session starts with: none unless its agent may spawn (a roster, or inline agents) or start workflow runs. */
export function initialThreads(s: Pick<SessionState, "sessionId" | "agent" | "createdAt" | "usage">): ThreadsState | undefined {
  const { roster, inline } = rosterOf(s.agent);
  const workflows = initialWorkflows(s.agent);
  if (!roster.length && !inline && !workflows) return undefined;
  const primaryId = primaryThreadId(s.sessionId);
  const primary: ThreadRecord = {
    id: primaryId,
    parentId: null,
    status: "idle",
    usage: structuredClone(s.usage),
    activeSeconds: 0,
    runningSince: null,
    createdAt: s.createdAt,
    updatedAt: s.createdAt,
    archivedAt: null,
  };
  return { primaryId, byId: { [primaryId]: primary }, roster, inline, ...(workflows ? { workflows } : {}) };
}

function rosterOf(agent: SessionAgent): { roster: RosterEntry[]; inline: boolean } {
  const multiagent = agent.multiagent;
  let agents: BetaManagedAgentsSessionThreadAgent[] = [];
  let inline = false;
  if (multiagent?.type === "coordinator") {
    agents = multiagent.agents.filter((a): a is BetaManagedAgentsSessionThreadAgent => a.type === "agent");
  } else if (multiagent?.type === "multiagent_20261001" && multiagent.subagents.type === "enabled") {
    agents = multiagent.subagents.predefined_agents;
    inline = multiagent.subagents.inline_agents.type === "enabled";
  }
  return { roster: rosterFrom(agents), inline };
}

/** Agents the model may name, by name. */
export function rosterFrom(agents: BetaManagedAgentsSessionThreadAgent[]): RosterEntry[] {
  const roster: RosterEntry[] = [];
  for (const a of agents) {
    // Names identify roster members to the model; a later duplicate stays reachable by its id.
    const name = roster.some((r) => r.name === a.name) ? a.id : a.name;
    roster.push({ name, description: a.description, agent: a });
  }
  return roster;
}

/** A thread's turn: the primary's is the session's own. */
export const turnOf = (s: SessionState, id: string): TurnState => (id === s.threads!.primaryId ? s.turn : s.threads!.byId[id].turn!);

/** The state as thread `id` sees it: the session with the thread's turn, status, agent and usage. */
export function threadView(s: SessionState, id: string): SessionState {
  const threads = s.threads!;
  const rec = threads.byId[id];
  const own = { status: rec.status, usage: rec.usage, activeSeconds: rec.activeSeconds, runningSince: rec.runningSince };
  if (id === threads.primaryId) return { ...s, ...own };
  return { ...s, ...own, agent: asSessionAgent(rec.agent!), turn: rec.turn!, archivedAt: rec.archivedAt, updatedAt: rec.updatedAt, outcomes: undefined };
}

function asSessionAgent(agent: ThreadAgent): SessionAgent {
  const { type: _type, ...rest } = agent;
  return { id: "", version: 0, ...rest, type: "agent", multiagent: null } as SessionAgent;
}

export const agentName = (s: SessionState, id: string) =>
  id === s.threads?.primaryId || !s.threads?.byId[id] ? s.agent.name : s.threads.byId[id].agent!.name;

/** The `thread` tag of an event thread `id` emits (the primary's events carry none). */
export const threadTag = (s: SessionState, id: string) => (id === s.threads!.primaryId ? {} : { thread: id });

export const liveThreads = (s: SessionState) => Object.values(s.threads!.byId).filter((r) => !r.archivedAt && r.status !== "terminated");

/** Phases of every live thread's turn (the runner schedules by them). */
export const threadTurns = (s: SessionState) => liveThreads(s).map((r) => ({ id: r.id, turn: turnOf(s, r.id) }));
