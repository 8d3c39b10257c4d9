import { Transition, userBlocking } from "./session-state";
import { acceptUserEvents } from "./user-event-intake";
import { delegate, deliverMessage, pickAgent, reportToParent, spawnThread } from "./thread-delegation";
import { agentName, liveThreads, threadView, turnOf, type ThreadAgent } from "./thread-state";
import { cutTurn } from "./turn-cut";
import { addUsageDelta } from "./usage-totals";
import type { ModelUsage } from "./model-call";
import { nextWorkflowDeadline, workflowThreadStatus } from "./workflows";
import { WORKFLOW_TOOL_NAMES } from "./workflows/tools";
import { InvalidEvent, type EventDraft, type PendingToolUse, type SessionStatus, type UserEventParams } from "./types";

// The thread state moved to thread-state.ts and the rendering to thread-json.ts; workflows import these from here.
export { primaryThreadId } from "./thread-view";
export { liveThreads, MAX_LIVE_THREADS, rosterFrom, type RosterEntry, type ThreadAgent, type ThreadsState } from "./thread-state";

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
 * thread). Child threads are spawned by the primary's delegation tools (`send_to_agent`, thread-delegation.ts),
 * one level deep. What a session stores about its threads is thread-state.ts; how they render, thread-json.ts.
 */

/** Tools the brain runs itself, inside the transition of the call (thread-delegation.ts). */
export const DELEGATION_TOOLS = new Set(["list_agents", "send_to_agent", ...WORKFLOW_TOOL_NAMES]);

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
    for (const use of fx.dispatch.filter((p) => DELEGATION_TOOLS.has(p.name))) delegate(this, id, use);

    const finished = opts.fromModel && stop?.reason.type === "end_turn";
    // A child that cannot go on still answers its parent, which would otherwise wait for a report forever;
    // with the shared budget spent, the parent's own next step then ends the session's turn with budget_reached.
    const failed = stop?.reason.type === "retries_exhausted" || stop?.reason.type === "budget_reached" ? stop.reason.type : null;
    // A workflow run idles while its thread waits without having finished (on the client, or interrupted).
    if (!primary && rec.workflowRunId) workflowThreadStatus(this, id, { ran, idle: Boolean(stop) && !finished && !failed, terminated });
    if (!primary && finished) reportToParent(this, id, texts, null);
    if (!primary && failed) reportToParent(this, id, [...texts, `(this thread stopped before finishing: ${failed})`], failed);
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

  // Delegation (thread-delegation.ts), kept as methods because workflow runs spawn and message threads through the tx.

  pick(agent: unknown, roster = this.s.threads!.roster, inline = this.s.threads!.inline): ThreadAgent {
    return pickAgent(this, agent, roster, inline);
  }

  spawn(parent: string, agent: ThreadAgent, workflowRunId?: string): string {
    return spawnThread(this, parent, agent, workflowRunId);
  }

  deliver(to: string, from: string, content: Content) {
    deliverMessage(this, to, from, content);
  }
}

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
