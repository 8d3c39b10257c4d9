import type { BetaManagedAgentsSessionThreadAgent } from "@anthropic-ai/sdk/resources/beta/agents/agents";
import type {
  BetaManagedAgentsInlineAgent,
  BetaManagedAgentsSessionThread,
  BetaManagedAgentsSessionThreadStatus,
} from "@anthropic-ai/sdk/resources/beta/sessions/threads";
import { newId } from "../../src/lib/ids";
import { primaryThreadId } from "./thread-view";
import { acceptUserEvents, cutTurn, initialTurn, Transition, userBlocking } from "./session-state";
import type { ModelUsage } from "./model-call";
import { ToolError } from "./tool-error";
import { initialWorkflows, nextWorkflowDeadline, WORKFLOW_TOOLS, workflowThreadReported, workflowThreadStatus, type WorkflowsState } from "./workflows";
import { WORKFLOW_TOOL_NAMES } from "./workflows/tools";
import {
  InvalidEvent,
  type EventDraft,
  type Lifecycle,
  type PendingToolUse,
  type SessionAgent,
  type SessionState,
  type SessionStatus,
  type SessionUsage,
  type TurnState,
  type UserEventParams,
} from "./types";

/**
 * Threads of a multiagent session. They live INSIDE the session's Durable Object, not in objects of their own:
 * one writer keeps a single event order across threads, one usage total and one budget, and an interrupt sees
 * every thread at once; and a thread's log gets the session log's durability for free (the same SQLite
 * transaction per step, the same alarm, the same crash-resume), because it IS the session log, each event
 * tagged with its thread.
 *
 * A thread is a dimension of the session state machine, not a copy of it: every transition of
 * session-state.ts runs unchanged on a thread's projection of the state (`threadView`: the session with the
 * thread's own turn, status, agent and usage). `ThreadTx.run` then writes the projection back, tags the
 * events with the thread, turns the thread's status events into `session.thread_status_*` (cross-posted to
 * the session stream) and books its usage to the session. The session's status is derived from its threads
 * (`settle`): running while any thread runs, otherwise idle.
 *
 * The primary thread is the session's own conversation (its turn is `SessionState.turn`; its events carry no
 * thread). Child threads are spawned by the primary's delegation tools (`send_to_agent`), one level deep.
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
export const DELEGATION_TOOLS = new Set(["list_agents", "send_to_agent", ...WORKFLOW_TOOL_NAMES]);

export { primaryThreadId };

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

// ---------------------------------------------------------------------------------------------------------
// Projection.

const turnOf = (s: SessionState, id: string): TurnState => (id === s.threads!.primaryId ? s.turn : s.threads!.byId[id].turn!);

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

type IdleStop = Parameters<Transition["setStatus"]>[1];
type Content = Extract<UserEventParams, { type: "user.message" }>["content"];

const STATUS_EVENTS = {
  "session.status_running": "session.thread_status_running",
  "session.status_idle": "session.thread_status_idle",
  "session.status_rescheduled": "session.thread_status_rescheduled",
  "session.status_terminated": "session.thread_status_terminated",
} as const;

/**
 * One session transition touching threads. `run` applies a transition of session-state.ts to one thread's
 * projection; `settle` derives the session's status once every thread has moved. Effects that concern one
 * thread's in-flight work (aborting its model call, running its MCP tools) are collected for the runner.
 */
export class ThreadTx {
  readonly abort = new Set<string>();
  readonly mcp: Array<{ thread: string; uses: PendingToolUse[] }> = [];
  /** web_fetch calls the brain runs for a thread. */
  readonly server: Array<{ thread: string; uses: PendingToolUse[] }> = [];
  /** A thread went idle in a way the session must announce even if it already was idle (primary, requires_action). */
  private idleSignal = false;
  private idleStop: IdleStop | undefined;

  constructor(
    readonly t: Transition,
    private readonly inflightUsage: (thread: string) => ModelUsage | undefined = () => undefined,
  ) {}

  private get s() {
    return this.t.state;
  }

  /** Runs `fn` on thread `id`'s projection and folds the result back. `fromModel`: a model step (a child's finished turn reports to its parent). */
  run(id: string, fn: (sub: Transition) => void, opts: { fromModel?: boolean } = {}): void {
    const s = this.s;
    const threads = s.threads!;
    const rec = threads.byId[id];
    const primary = id === threads.primaryId;
    const before = rec.usage;
    const sub = new Transition(threadView(s, id), this.t.reserveId);
    fn(sub);

    const v = sub.state;
    Object.assign(rec, { status: v.status, activeSeconds: v.activeSeconds, runningSince: v.runningSince, updatedAt: v.updatedAt });
    if (primary) {
      s.turn = v.turn;
      s.outcomes = v.outcomes;
    } else rec.turn = v.turn;
    // The budget is one shared cap: the projection carried the session's cost total, which comes back as is.
    const { list_cost: sessionCost, ...threadUsage } = v.usage;
    rec.usage = threadUsage;
    addUsageDelta(s.usage, before, threadUsage);
    s.listCostNano = v.listCostNano;
    if (sessionCost) s.usage.list_cost = sessionCost;
    if (v.mirrorSeq !== s.mirrorSeq) {
      s.mirrorSeq = v.mirrorSeq;
      s.updatedAt = v.updatedAt;
    }

    let stop: IdleStop | undefined;
    let ran = false;
    let terminated = false;
    const texts: string[] = [];
    for (const draft of sub.drafts) {
      // Usage is session-wide: the session's own idle (`settle`) carries the snapshot, never a thread's.
      if (draft.type === "session.usage") continue;
      const threadType = STATUS_EVENTS[draft.type as keyof typeof STATUS_EVENTS];
      if (threadType) {
        if (draft.type === "session.status_idle") stop = { reason: draft.stop_reason, details: draft.stop_details } as IdleStop;
        if (draft.type === "session.status_running") ran = true;
        if (draft.type === "session.status_terminated") terminated = true;
        // The primary's own status events give way to the session's, which `settle` derives.
        if (primary) {
          if (draft.type === "session.status_idle") this.noteIdle(stop);
          continue;
        }
        if (stop?.reason.type === "requires_action") this.noteIdle(stop);
        this.t.drafts.push({
          id: draft.id,
          type: threadType,
          session_thread_id: id,
          agent_name: agentName(s, id),
          ...(draft.type === "session.status_idle" ? { stop_reason: draft.stop_reason, stop_details: draft.stop_details } : {}),
          thread: id,
          crosspost: true,
        } as EventDraft);
        continue;
      }
      if (draft.type === "agent.message") texts.push(...draft.content.flatMap((b) => (b.type === "text" ? [b.text] : [])));
      if (!primary) {
        draft.thread = id;
        // What the client must answer (or sent) shows on the session stream too, marked with the thread.
        if (needsClient(draft)) Object.assign(draft, { crosspost: true, session_thread_id: id });
      }
      this.t.drafts.push(draft);
    }

    const fx = sub.effects;
    if (fx.runModel) this.t.effects.runModel = true;
    if (fx.wakeAt !== null) this.t.effects.wakeAt = Math.min(this.t.effects.wakeAt ?? Infinity, fx.wakeAt);
    if (fx.abortModel) this.abort.add(id);
    if (fx.mcp.length) this.mcp.push({ thread: id, uses: fx.mcp });
    if (fx.server.length) this.server.push({ thread: id, uses: fx.server });
    this.t.effects.dispatch.push(...fx.dispatch.filter((p) => !DELEGATION_TOOLS.has(p.name)));
    // Delegation tools run here, in the brain, within the same transition as the call.
    for (const use of fx.dispatch.filter((p) => DELEGATION_TOOLS.has(p.name))) this.delegate(id, use);

    const finished = opts.fromModel && stop?.reason.type === "end_turn";
    // A child that cannot go on still answers its parent, which would otherwise wait for a report forever;
    // with the shared budget spent, the parent's own next step then ends the session's turn with budget_reached.
    const failed = stop?.reason.type === "retries_exhausted" || stop?.reason.type === "budget_reached" ? stop.reason.type : null;
    // A workflow run idles while its thread waits without having finished (on the client, or interrupted).
    if (!primary && rec.workflowRunId) workflowThreadStatus(this, id, { ran, idle: Boolean(stop) && !finished && !failed, terminated });
    if (!primary && finished) this.report(id, texts, null);
    if (!primary && failed) this.report(id, [...texts, `(this thread stopped before finishing: ${failed})`], failed);
    // A child whose model kept failing ends there (the contract: "a child thread then terminates").
    if (!primary && stop?.reason.type === "retries_exhausted") this.run(id, (t) => t.setStatus("terminated"));
  }

  /** The session's status from its threads': running while any thread runs; idle (with what the client owes) otherwise. */
  settle() {
    const s = this.s;
    // A retry's wake-up must not push the alarm past a workflow run's time limit (the alarm ends the run then).
    const deadline = nextWorkflowDeadline(s);
    if (deadline !== null && this.t.effects.wakeAt !== null) this.t.effects.wakeAt = Math.min(this.t.effects.wakeAt, deadline);
    const live = liveThreads(s);
    const statuses = new Set(live.map((r) => r.status));
    const next: SessionStatus = statuses.has("running") ? "running" : statuses.has("rescheduling") ? "rescheduling" : "idle";
    if (next !== "idle") {
      if (s.status !== next) this.t.setStatus(next);
      return;
    }
    if (s.status === "idle" && !this.idleSignal) return;
    const blocking = live.flatMap((r) => userBlocking(turnOf(s, r.id).pending).map((p) => p.eventId));
    this.t.setStatus("idle", blocking.length ? { reason: { type: "requires_action", event_ids: blocking } } : (this.idleStop ?? { reason: { type: "end_turn" } }));
  }

  private noteIdle(stop: IdleStop) {
    this.idleSignal = true;
    if (stop?.reason.type !== "requires_action") this.idleStop = stop;
  }

  // ---------------------------------------------------------------------------------------------------
  // Client events.

  /** Routes a batch of client (or hands) events to their threads, all or nothing like `acceptUserEvents`. */
  accept(events: UserEventParams[], serverHands = false): string[] {
    const s = this.s;
    if (s.archivedAt) throw new InvalidEvent("session is archived and accepts no events");
    if (events.length === 0) throw new InvalidEvent("events: at least one event is required");
    const ids: string[] = [];
    const ctx = (id: string) => ({ inflightUsage: this.inflightUsage(id), serverHands });
    for (const event of events) {
      if (event.type === "user.interrupt" && !event.session_thread_id) {
        // Every non-archived thread, the primary first (its interrupt is the one the session stream shows);
        // a child with nothing under way is left alone (an interrupt is a no-op there).
        let first: string | undefined;
        for (const r of liveThreads(s)) {
          const turn = turnOf(s, r.id);
          if (r.parentId && turn.phase === "idle" && !turn.pending.length) continue;
          this.run(r.id, (sub) => void (first ??= acceptUserEvents(sub, [{ type: "user.interrupt" }], ctx(r.id))[0]));
        }
        ids.push(first!);
        continue;
      }
      const target = event.type === "user.interrupt" ? this.liveThread(event.session_thread_id!, "session_thread_id") : this.ownerOf(event);
      this.run(target, (sub) => ids.push(...acceptUserEvents(sub, [event], ctx(target))));
    }
    return ids;
  }

  /** The thread a tool result or confirmation answers (whose turn waits on that tool use); otherwise the primary. */
  private ownerOf(event: UserEventParams): string {
    const s = this.s;
    const toolUseId =
      event.type === "user.custom_tool_result" ? event.custom_tool_use_id : "tool_use_id" in event ? event.tool_use_id : undefined;
    if (toolUseId) {
      for (const r of Object.values(s.threads!.byId)) if (turnOf(s, r.id).pending.some((p) => p.eventId === toolUseId)) return r.id;
    }
    return s.threads!.primaryId;
  }

  private liveThread(id: string, field: string): string {
    const rec = this.s.threads!.byId[id];
    if (!rec) throw new InvalidEvent(`${field}: no thread ${id} in this session`);
    if (rec.archivedAt || rec.status === "terminated") throw new InvalidEvent(`${field}: thread ${id} is ${rec.archivedAt ? "archived" : "terminated"}`);
    return id;
  }

  /** Archives a child thread: it must not be running; whatever it still waited on is closed, and it terminates. */
  archive(id: string) {
    const threads = this.s.threads!;
    const rec = threads.byId[id];
    if (id === threads.primaryId) throw new InvalidEvent("the primary thread cannot be archived; archive the session instead");
    if (rec.archivedAt) return;
    if (rec.status === "running" || rec.status === "rescheduling") {
      throw new InvalidEvent("a running thread cannot be archived; send user.interrupt with its session_thread_id first");
    }
    this.terminate(id, "The thread was archived before this tool call completed.");
    rec.archivedAt = new Date().toISOString();
    rec.updatedAt = rec.archivedAt;
  }

  /** Ends a child thread whatever it is doing: its model call is cut off, each tool use it waited on answered with `note`. */
  terminate(id: string, note: string) {
    const rec = this.s.threads!.byId[id];
    if (userBlocking(rec.turn!.pending).length) this.idleSignal = true;
    this.run(id, (sub) => {
      cutTurn(sub, note, this.inflightUsage(id));
      if (sub.state.status !== "terminated") sub.setStatus("terminated");
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Delegation: the primary's tools, messages between threads.

  private delegate(from: string, use: PendingToolUse) {
    let result: { text: string; isError: boolean };
    try {
      const workflowTool = WORKFLOW_TOOLS[use.name];
      const text = workflowTool ? workflowTool(this, use.input) : use.name === "list_agents" ? this.listAgents() : this.sendToAgent(from, use.input);
      result = { text, isError: false };
    } catch (err) {
      if (!(err instanceof ToolError)) throw err;
      result = { text: err.message, isError: true };
    }
    this.run(from, (sub) => {
      const [id] = acceptUserEvents(sub, [{ type: "user.tool_result", tool_use_id: use.eventId, content: [{ type: "text", text: result.text }], is_error: result.isError }]);
      // The brain ran this tool itself: the result is the agent's, like that of a tool it refused.
      const draft = sub.drafts.find((d) => d.id === id)!;
      (draft as { type: string }).type = "agent.tool_result";
    });
  }

  private listAgents(): string {
    const threads = this.s.threads!;
    const agents = threads.roster.map((r) => ({ name: r.name, description: r.description }));
    const note = threads.inline ? " To define an agent instead, pass agent as {name, system, description}." : "";
    return JSON.stringify({ agents }) + note;
  }

  private sendToAgent(from: string, input: Record<string, unknown>): string {
    const s = this.s;
    const threads = s.threads!;
    const message = input.message;
    if (typeof message !== "string" || !message.trim()) throw new ToolError("message: a non-empty string is required");
    let target: string;
    if (typeof input.session_thread_id === "string") {
      target = input.session_thread_id;
      const rec = threads.byId[target];
      if (!rec || rec.parentId !== from) throw new ToolError(`session_thread_id: ${target} is not a thread you started`);
      if (rec.archivedAt || rec.status === "terminated") throw new ToolError(`session_thread_id: thread ${target} has ended; start a new one`);
    } else {
      const agent = this.pick(input.agent);
      const live = Object.values(threads.byId).filter((r) => r.parentId && !r.archivedAt && r.status !== "terminated");
      if (live.length >= MAX_LIVE_THREADS) throw new ToolError(`at most ${MAX_LIVE_THREADS} threads may be open at once; archive finished ones`);
      target = this.spawn(from, agent);
    }
    const content = [{ type: "text" as const, text: message }];
    const toName = agentName(s, target);
    this.t.emit({ type: "agent.thread_message_sent", content, to_session_thread_id: target, to_agent_name: toName, ...threadTag(s, from) });
    this.deliver(target, from, content);
    return JSON.stringify({ session_thread_id: target, agent_name: toName });
  }

  /** The agent a delegation names: from `roster` by name or id, or defined inline where `inline` allows. */
  pick(agent: unknown, roster = this.s.threads!.roster, inline = this.s.threads!.inline): ThreadAgent {
    if (typeof agent === "string") {
      const entry = roster.find((r) => r.name === agent || r.agent.id === agent);
      if (!entry) throw new ToolError(`agent: no agent named ${agent}; list_agents shows the roster`);
      return entry.agent;
    }
    if (agent && typeof agent === "object" && inline) {
      const spec = agent as { name?: unknown; system?: unknown; description?: unknown };
      if (typeof spec.name !== "string" || !spec.name) throw new ToolError("agent.name: required for an inline agent");
      const own = this.s.agent;
      return {
        type: "inline",
        name: spec.name,
        description: typeof spec.description === "string" ? spec.description : null,
        system: typeof spec.system === "string" ? spec.system : null,
        model: own.model,
        tools: own.tools,
        mcp_servers: own.mcp_servers,
        skills: own.skills,
        execution_identity: own.execution_identity,
      };
    }
    throw new ToolError(`agent: name a roster agent${inline ? " or define one inline as {name, system, description}" : ""}`);
  }

  spawn(parent: string, agent: ThreadAgent, workflowRunId?: string): string {
    const s = this.s;
    const id = newId("sthr");
    const now = new Date().toISOString();
    s.threads!.byId[id] = {
      id,
      parentId: parent,
      agent,
      status: "idle",
      turn: initialTurn(),
      usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 } },
      activeSeconds: 0,
      runningSince: null,
      createdAt: now,
      updatedAt: now,
      archivedAt: null,
      ...(workflowRunId ? { workflowRunId } : {}),
    };
    this.t.emit({ type: "session.thread_created", session_thread_id: id, agent_name: agent.name, workflow_run_id: workflowRunId ?? null, ...threadTag(s, parent) });
    return id;
  }

  /** A message arrives on thread `to`: an idle thread starts a turn with it; a busy one reads it in its next model request. */
  deliver(to: string, from: string, content: Content) {
    const s = this.s;
    const fromName = from === s.threads!.primaryId ? null : agentName(s, from);
    const received = { type: "agent.thread_message_received" as const, content, from_session_thread_id: from, ...(fromName ? { from_agent_name: fromName } : {}) };
    this.run(to, (sub) => {
      const turn = sub.state.turn;
      if (turn.phase !== "idle" || userBlocking(turn.pending).length) return void sub.emit(received);
      const [id] = acceptUserEvents(sub, [{ type: "user.message", content }]);
      const i = sub.drafts.findIndex((d) => d.id === id);
      sub.drafts[i] = { ...received, id };
    });
  }

  /** A child's turn ended: its answer goes to the thread that started it (or, for a workflow run's thread, to its run). */
  private report(id: string, texts: string[], failed: string | null) {
    const s = this.s;
    if (s.threads!.byId[id].workflowRunId) return workflowThreadReported(this, id, texts.join("\n\n") || "(the agent ended its turn without a message)", failed);
    const parent = s.threads!.byId[id].parentId!;
    const content = [{ type: "text" as const, text: texts.join("\n\n") || "(the agent ended its turn without a message)" }];
    const toName = parent === s.threads!.primaryId ? {} : { to_agent_name: agentName(s, parent) };
    this.t.emit({ type: "agent.thread_message_sent", content, to_session_thread_id: parent, ...toName, thread: id });
    this.deliver(parent, id, content);
  }
}


const threadTag = (s: SessionState, id: string) => (id === s.threads!.primaryId ? {} : { thread: id });

/** Events the client answers, or sent itself, on a child thread's behalf. */
function needsClient(draft: EventDraft): boolean {
  switch (draft.type) {
    case "agent.custom_tool_use":
    case "user.tool_confirmation":
    case "user.custom_tool_result":
    case "user.interrupt":
      return true;
    case "agent.tool_use":
    case "agent.mcp_tool_use":
      return draft.evaluated_permission === "ask";
    default:
      return false;
  }
}

export const liveThreads = (s: SessionState) => Object.values(s.threads!.byId).filter((r) => !r.archivedAt && r.status !== "terminated");

/** Phases of every live thread's turn (the runner schedules by them). */
export const threadTurns = (s: SessionState) => liveThreads(s).map((r) => ({ id: r.id, turn: turnOf(s, r.id) }));

function addUsageDelta(total: SessionUsage, before: SessionUsage, after: SessionUsage) {
  const d = (k: "input_tokens" | "output_tokens" | "cache_read_input_tokens") => (after[k] ?? 0) - (before[k] ?? 0);
  total.input_tokens = (total.input_tokens ?? 0) + d("input_tokens");
  total.output_tokens = (total.output_tokens ?? 0) + d("output_tokens");
  total.cache_read_input_tokens = (total.cache_read_input_tokens ?? 0) + d("cache_read_input_tokens");
  const c = (u: SessionUsage, k: "ephemeral_1h_input_tokens" | "ephemeral_5m_input_tokens") => u.cache_creation?.[k] ?? 0;
  total.cache_creation = {
    ephemeral_1h_input_tokens: c(total, "ephemeral_1h_input_tokens") + c(after, "ephemeral_1h_input_tokens") - c(before, "ephemeral_1h_input_tokens"),
    ephemeral_5m_input_tokens: c(total, "ephemeral_5m_input_tokens") + c(after, "ephemeral_5m_input_tokens") - c(before, "ephemeral_5m_input_tokens"),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Rendering (`sessions.threads.*`).

export function threadJson(s: SessionState, id: string, now = Date.now()): BetaManagedAgentsSessionThread {
  const primaryId = primaryThreadId(s.sessionId);
  const rec: Omit<ThreadRecord, "turn"> =
    s.threads?.byId[id] ??
    ({ id: primaryId, parentId: null, status: s.status, usage: s.usage, activeSeconds: s.activeSeconds, runningSince: s.runningSince, createdAt: s.createdAt, updatedAt: s.updatedAt, archivedAt: s.archivedAt } satisfies ThreadRecord);
  const primary = id === primaryId;
  const { multiagent: _roster, ...sessionAgent } = s.agent;
  const active = rec.activeSeconds + (rec.runningSince ? Math.max(0, (now - Date.parse(rec.runningSince)) / 1000) : 0);
  const archivedAt = primary ? s.archivedAt : rec.archivedAt;
  const end = archivedAt ? Date.parse(rec.updatedAt) : now;
  const used = (rec.usage.input_tokens ?? 0) + (rec.usage.output_tokens ?? 0) > 0;
  const { list_cost: _cost, ...usage } = rec.usage;
  return {
    id,
    type: "session_thread",
    session_id: s.sessionId,
    agent: primary ? sessionAgent : rec.agent!,
    status: rec.status as BetaManagedAgentsSessionThreadStatus,
    parent_thread_id: rec.parentId,
    archived_at: archivedAt,
    created_at: rec.createdAt,
    updated_at: rec.updatedAt,
    stats: used || active > 0 ? { active_seconds: active, duration_seconds: Math.max(0, (end - Date.parse(rec.createdAt)) / 1000), startup_seconds: 0 } : null,
    usage: used ? { ...usage, active_seconds: active } : null,
    workflow_run_id: rec.workflowRunId ?? null,
  };
}

/** Ids of a session's threads, primary first (a single-agent session has just its primary). */
export const threadIds = (s: SessionState) => (s.threads ? Object.keys(s.threads.byId) : [primaryThreadId(s.sessionId)]);

export interface ThreadListQuery {
  limit: number;
  page?: string;
  statuses?: string[];
}

/** A page of `threads.list`: creation order, primary first; the cursor is the last thread id returned. */
export function threadsPage(s: SessionState, query: ThreadListQuery, after?: string): { data: BetaManagedAgentsSessionThread[]; last: string | null } {
  let ids = threadIds(s);
  if (after !== undefined) ids = ids.slice(ids.indexOf(after) + 1);
  const now = Date.now();
  const matching = ids.map((id) => threadJson(s, id, now)).filter((t) => !query.statuses?.length || query.statuses.includes(t.status));
  const data = matching.slice(0, query.limit);
  return { data, last: matching.length > query.limit ? data[data.length - 1].id : null };
}

export const hasThread = (s: SessionState, id: string) => threadIds(s).includes(id);
