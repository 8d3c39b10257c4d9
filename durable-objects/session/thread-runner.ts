import type Anthropic from "@anthropic-ai/sdk";
import { runModelStep, type BrainHost } from "./agent-loop";
import type { SessionHost } from "./session-host";
import type { LogScope } from "./event-log";
import type { FanOut } from "./fan-out";
import type { McpOffer } from "./mcp/hub";
import { runMcpToolUses } from "./mcp/run";
import { runServerToolUses } from "./web-fetch";
import type { ModelCall } from "./model-call";
import { MAX_MODEL_CALLS_PER_TURN, retryDue } from "./session-state";
import { threadTurns, threadView } from "./thread-state";
import { ThreadTx } from "./threads";
import { expireWorkflowRuns, loadProgramEngine, nextWorkflowDeadline, WORKFLOW_TOOL_DEFINITIONS } from "./workflows";
import type { PendingToolUse, SessionEvent, SessionState, StoredEvent, UserEventParams } from "./types";

/** What the runner needs from the session's Durable Object. */
export interface RunnerDeps extends SessionHost {
  fanout: FanOut;
  /** Hands built-in tool uses to the hands. */
  dispatch(toolUses: PendingToolUse[]): void;
}

/** How long a round of model steps may run before the alarm assumes this instance died and redoes it. */
const WATCHDOG_MS = 5 * 60_000;

/**
 * Drives a multiagent session's threads with the session's one agent loop (`runModelStep`), each thread
 * through a `BrainHost` scoped to it: its projection of the state, its part of the log, its previews, its
 * transitions (`ThreadTx.run`). The alarm runs every thread with a model call due concurrently and starts
 * threads that become due meanwhile (a spawn, a report that wakes the primary), so threads work in parallel;
 * a crash loses nothing committed, and the next instance resumes every thread from the log like a single
 * session's turn.
 */
export class ThreadRunner {
  private readonly inflight = new Map<string, { abort: AbortController; call: ModelCall }>();
  private readonly runners = new Map<string, Promise<void>>();
  /** An alarm is running threads: newly due threads join it rather than wait for the next alarm. */
  private active = false;
  /** While an alarm runs threads (and holds off the next alarm), this ends workflow runs at their time limit. */
  private deadlineTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly deps: RunnerDeps) {}

  /** Client (or hands) events, routed to their threads. */
  accept(events: UserEventParams[], onIds: (ids: string[]) => void, serverHands = false): Promise<StoredEvent[]> {
    return this.transact((tx) => onIds(tx.accept(events, serverHands)));
  }

  async archive(threadId: string): Promise<void> {
    await this.transact((tx) => tx.archive(threadId));
  }

  async alarm(): Promise<void> {
    for (const { id, turn } of this.turns()) {
      // An alarm may come early for this thread's backoff (another thread's); only a due retry proceeds.
      if (turn.phase !== "retry_wait" || (turn.retryAt && Date.now() < turn.retryAt - 1000)) continue;
      await this.transact((tx) => tx.run(id, (t) => void retryDue(t)));
    }
    await this.expireRuns();
    // If this instance dies mid-step, this alarm brings the steps back (each redone from the log).
    await this.deps.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    this.active = true;
    const errors: unknown[] = [];
    try {
      this.pump();
      this.watchDeadlines();
      while (this.runners.size) {
        for (const result of await Promise.allSettled([...this.runners.values()])) if (result.status === "rejected") errors.push(result.reason);
      }
    } finally {
      this.active = false;
      clearTimeout(this.deadlineTimer);
    }
    await this.rearm(true);
    if (errors.length) throw errors[0];
  }

  /** A fresh instance picks up every thread where it was. */
  async resume(): Promise<void> {
    for (const { id, turn } of this.turns()) {
      if (turn.phase !== "tools") continue;
      this.deps.dispatch(turn.pending.filter((p) => p.kind === "builtin" && p.awaiting === "result"));
      this.runMcp(id, turn.pending.filter((p) => p.kind === "mcp" && p.awaiting === "result"));
      this.runServerTools(id, turn.pending.filter((p) => p.kind === "server" && p.awaiting === "result"));
    }
    await this.rearm(false);
  }

  /** Ends the workflow runs past their time limit, if any. */
  private async expireRuns() {
    const s = this.deps.state();
    const deadline = s ? nextWorkflowDeadline(s) : null;
    if (deadline !== null && deadline <= Date.now()) await this.transact((tx) => expireWorkflowRuns(tx, Date.now()));
  }

  private watchDeadlines() {
    clearTimeout(this.deadlineTimer);
    const s = this.deps.state();
    const deadline = s ? nextWorkflowDeadline(s) : null;
    if (!this.active || deadline === null) return;
    this.deadlineTimer = setTimeout(() => {
      this.expireRuns()
        .catch((err) => console.error(JSON.stringify({ level: "error", message: "ending workflow runs at their time limit failed", error: String(err) })))
        .finally(() => this.watchDeadlines());
    }, Math.max(0, deadline - Date.now()));
  }

  private turns() {
    const s = this.deps.state();
    return s?.threads ? threadTurns(s) : [];
  }

  private async rearm(deleteWhenIdle: boolean) {
    const turns = this.turns();
    const storage = this.deps.ctx.storage;
    if (turns.some(({ turn }) => turn.phase === "model")) return storage.setAlarm(Date.now());
    const wakeUps = turns.filter(({ turn }) => turn.phase === "retry_wait").map(({ turn }) => turn.retryAt ?? Date.now());
    const s = this.deps.state();
    const deadline = s ? nextWorkflowDeadline(s) : null;
    // A run's time limit is durable: the alarm fires for it even with every thread waiting, or after a crash.
    if (deadline !== null) wakeUps.push(deadline);
    if (wakeUps.length) await storage.setAlarm(Math.min(...wakeUps));
    else if (deleteWhenIdle) await storage.deleteAlarm();
  }

  /** Starts a runner for every thread with a model call due that has none. */
  private pump() {
    for (const { id, turn } of this.turns()) {
      if (turn.phase !== "model" || this.runners.has(id)) continue;
      const run = this.runThread(id).finally(() => {
        this.runners.delete(id);
        if (this.active) this.pump();
      });
      this.runners.set(id, run);
    }
  }

  private async runThread(id: string) {
    const host = this.host(id);
    for (let step = 0; step <= MAX_MODEL_CALLS_PER_TURN && host.state()?.turn.phase === "model"; step++) await runModelStep(host);
  }

  /** One transition over threads; afterwards, the effects only the runner can apply. */
  private async transact(fn: (tx: ThreadTx) => void): Promise<StoredEvent[]> {
    // A transition may run a workflow program, synchronously: its engine must be loaded first (once per isolate).
    if (this.deps.state()?.threads?.workflows) await loadProgramEngine();
    let tx!: ThreadTx;
    const events = await this.deps.commit((t) => {
      tx = new ThreadTx(t, (id) => this.inflight.get(id)?.call.usage);
      fn(tx);
      tx.settle();
    });
    for (const id of tx.abort) this.inflight.get(id)?.abort.abort();
    if (tx.abort.size) this.deps.fanout.clearPreviews();
    for (const { thread, uses } of tx.mcp) this.runMcp(thread, uses);
    for (const { thread, uses } of tx.server) this.runServerTools(thread, uses);
    if (this.active) {
      this.pump();
      this.watchDeadlines();
    }
    return events;
  }

  private view(id: string): SessionState | undefined {
    const s = this.deps.state();
    return s?.threads?.byId[id] ? threadView(s, id) : undefined;
  }

  private runMcp(id: string, uses: PendingToolUse[]) {
    if (!uses.length) return;
    runMcpToolUses(this.deps.mcp, () => this.view(id), uses, (fn) => this.transact((tx) => tx.run(id, fn)).then(() => {}));
  }

  private runServerTools(id: string, uses: PendingToolUse[]) {
    if (!uses.length) return;
    runServerToolUses(this.deps.env, () => this.view(id), () => this.deps.log.after(0, undefined, this.scope(id)), uses, (fn) =>
      this.transact((tx) => tx.run(id, fn)),
    );
  }

  /** The part of the log one thread's conversation is read from. */
  private scope(id: string): LogScope {
    const child = id === this.deps.state()?.threads?.primaryId ? undefined : id;
    return { kind: "thread", thread: child ?? null };
  }

  /** The agent loop's view of one thread. */
  private host(id: string): BrainHost {
    const { env, log, fanout } = this.deps;
    const scope = this.scope(id);
    const child = scope.kind === "thread" ? (scope.thread ?? undefined) : undefined;
    return {
      env,
      log: {
        reserveId: () => log.reserveId(),
        lastSeq: () => log.lastSeq(),
        after: (seq, limit) => log.after(seq, limit, scope).map(asConversation),
        // A message from another thread continues a running turn like a user message does.
        hasTypeAfter: (type, seq) => log.hasTypeAfter(type === "user.message" ? [type, "agent.thread_message_received"] : type, seq, scope),
      },
      fanout: {
        wants: (type) => fanout.wants(type, child),
        preview: (preview) => fanout.preview(preview, child),
        clearPreviews: () => {
          if (!child) fanout.clearPreviews();
        },
      },
      state: () => this.view(id),
      commit: (fn) => this.transact((tx) => tx.run(id, fn, { fromModel: true })).then(() => {}),
      track: (inflight) => void (inflight ? this.inflight.set(id, inflight) : this.inflight.delete(id)),
      mcp: { offer: (view) => this.offer(id, view) },
    };
  }

  /** The thread's MCP tools, and for the primary of a session with a roster, the delegation tools (and the workflow tool where enabled). */
  private async offer(id: string, view: SessionState): Promise<McpOffer> {
    const offer = await this.deps.mcp.offer(view);
    const threads = view.threads;
    if (!threads || id !== threads.primaryId) return offer;
    const definitions = [...(threads.roster.length || threads.inline ? DELEGATION_TOOL_DEFINITIONS : []), ...(threads.workflows ? WORKFLOW_TOOL_DEFINITIONS : [])];
    for (const definition of definitions) {
      if (offer.routes.has(definition.name)) continue;
      // Built-in and always allowed: `ThreadTx` runs them in the same transition as the call, never the hands.
      offer.routes.set(definition.name, { kind: "builtin", policy: "always_allow" });
      offer.definitions.push(definition);
    }
    return offer;
  }
}

/** A message from another thread, as the receiving thread's model reads it: a user turn naming its sender. */
function asConversation(stored: StoredEvent): StoredEvent {
  const { event } = stored;
  if (event.type !== "agent.thread_message_received") return stored;
  const sender = `${event.from_agent_name ?? "the coordinator"} (session_thread_id ${event.from_session_thread_id})`;
  const content = [{ type: "text" as const, text: `Message from ${sender}:` }, ...event.content];
  return { ...stored, event: { id: event.id, type: "user.message", content, processed_at: event.processed_at } as SessionEvent };
}

/** What the primary thread's model is offered to work its roster (the hosted API's names). */
const DELEGATION_TOOL_DEFINITIONS: Anthropic.Tool[] = [
  {
    name: "list_agents",
    description: "List the agents you can delegate to: each one's name and what it is for.",
    input_schema: { type: "object", properties: {} },
  },
  {
    name: "send_to_agent",
    description:
      "Delegate a task to an agent, or follow up with one you started. Without session_thread_id this spawns a new thread " +
      "running `agent` and gives it `message` as its task; with it, `message` goes to that existing thread. Returns at once " +
      "with the thread's session_thread_id; the agent's report arrives later as a message from it. The agent sees nothing " +
      "of your conversation but the message, so include every path, constraint and the report format it needs.",
    input_schema: {
      type: "object",
      properties: {
        agent: {
          description: "The roster agent to spawn (its name from list_agents) or, where allowed, an inline agent {name, system, description}.",
          anyOf: [
            { type: "string" },
            { type: "object", properties: { name: { type: "string" }, system: { type: "string" }, description: { type: "string" } }, required: ["name"] },
          ],
        },
        session_thread_id: { type: "string", description: "A thread you started earlier, to send a follow-up instead of spawning." },
        message: { type: "string", description: "The task or follow-up message." },
      },
      required: ["message"],
    },
  },
];
