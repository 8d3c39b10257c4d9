import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";
import type { ListEventsQuery } from "../../src/schemas/events";
import { McpHub } from "./mcp/hub";
import { D1Mirror, mirroredFields, type MirroredFields } from "./d1-mirror";
import { EventLog } from "./event-log";
import { parseUserEvents } from "./event-intake";
import { eventsPage } from "./event-page";
import { FanOut } from "./fan-out";
import { archive, assertDeletable, Transition } from "./session-state";
import { acceptUserEvents } from "./user-event-intake";
import { updateConfig, type ConfigPatch } from "./session-config";
import { newSessionState, type InitInput } from "./session-init";
import type { SessionHost } from "./session-host";
import { openStream } from "./session-streams";
import { SessionWebhooks } from "./session-webhooks";
import { StateStore } from "./state-store";
import { hasThread, threadJson, threadListPage, threadScope, type ThreadListQuery } from "./thread-json";
import { ThreadRunner } from "./thread-runner";
import { ThreadTx } from "./threads";
import { ToolDispatch } from "./tool-dispatch";
import { TurnRunner } from "./turn-runner";
import { endWorkflowRunsOnArchive } from "./workflows";
import { webhookTypesFor } from "./webhooks";
import { SESSION_NOT_FOUND } from "../../src/db/queries/sessions";
import { totalTokens } from "../../src/limits/model-tokens";
import { workspaceQuota } from "../workspace-quota/workspace-quota";
import { fail, InvalidEvent, ok, type EventDraft, type RpcResult, type SessionEvent, type SessionState, type StoredEvent } from "./types";

export type { InitInput };

/**
 * One per session (named by the session id): the single writer of the session's event log, its state
 * machine and usage, and the hub its streams fan out from. This class is the shell that wires the parts: the RPC
 * surface the Worker calls, and `commit`, through which every transition goes. The state machine is
 * session-state.ts; a single agent's turn runs in turn-runner.ts, a multiagent session's threads in
 * thread-runner.ts; tool uses go out through tool-dispatch.ts; streams open in session-streams.ts.
 *
 * RPC methods return `RpcResult`s rather than throwing, because errors lose their type across RPC.
 */
export class SessionDurableObject extends DurableObject<Env> {
  private log!: EventLog;
  private store!: StateStore;
  private current: SessionState | undefined;
  private readonly fanout: FanOut;
  private readonly mirror: D1Mirror;
  /** Whether the stream last said this session's tool uses wait for a worker (`handsWaiting`). */
  private waitingForHands: boolean | undefined;
  private readonly webhooks: SessionWebhooks;
  private mcp!: McpHub;
  private tools!: ToolDispatch;
  /** A single-agent session's turn. */
  private turn!: TurnRunner;
  /** A multiagent session's threads run here, in this object (threads.ts says why). */
  private threads!: ThreadRunner;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.fanout = new FanOut(ctx);
    this.mirror = new D1Mirror(env.DB, () => this.current, ctx.storage.sql);
    this.mcp = new McpHub(env);
    this.webhooks = new SessionWebhooks(env, ctx, () => this.current?.sessionId);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    void ctx.blockConcurrencyWhile(async () => {
      this.log = new EventLog(ctx.storage.sql);
      this.store = new StateStore(ctx.storage.sql);
      this.current = this.store.load();
      const host: SessionHost = { ctx, env, log: this.log, mcp: this.mcp, state: () => this.current, commit: (fn) => this.commit(fn) };
      this.tools = new ToolDispatch(host);
      this.turn = new TurnRunner({ ...host, fanout: this.fanout, tools: this.tools, settleMirror: () => this.mirror.settle() });
      this.threads = new ThreadRunner({ ...host, fanout: this.fanout, dispatch: (toolUses) => this.tools.dispatch(toolUses) });
      await this.resumeAfterWake();
    });
  }

  // ------------------------------------------------------------------------------------------------------
  // RPC: the session routes and the hands.

  /** Creates the session's state (idempotent for the same id), then processes `initial_events`. */
  async init(input: InitInput): Promise<RpcResult<{ events: SessionEvent[] }>> {
    if (this.current) {
      return this.current.sessionId === input.sessionId ? ok({ events: [] }) : fail("conflict_error", "session already exists");
    }
    const state = newSessionState(input);
    if (!input.initialEvents?.length) {
      this.ctx.storage.transactionSync(() => this.store.save(state));
      this.current = state;
      this.webhooks.notify(state, ["session.created"]);
      return ok({ events: [] });
    }
    // The state is saved in the same transaction as the initial events: refused events leave no session behind.
    this.current = state;
    this.webhooks.notify(state, ["session.created"]);
    const result = await this.sendEvents(input.workspaceId, input.initialEvents, { maxEvents: input.maxEvents });
    if (!result.ok) this.current = undefined;
    return result;
  }

  /**
   * Appends client (or hands) events, all or nothing: an event the session cannot take in its current
   * state (a result nobody asked for, a message to an archived session...) rejects the whole batch.
   */
  async sendEvents(
    workspaceId: string,
    events: unknown[],
    /**
     * `maxEvents`: the workspace's `max_events_per_session`, from an API-key request (the hands' results are never
     * refused for it). `serverHands`: sent by the cloud sandbox, whose tool results are the agent's (`agent.tool_result`).
     */
    caps: { maxEvents?: number; serverHands?: boolean } = {},
  ): Promise<RpcResult<{ events: SessionEvent[] }>> {
    const state = this.owned(workspaceId);
    if (!state) return fail("not_found_error", SESSION_NOT_FOUND);
    const cap = caps.maxEvents === undefined ? undefined : { held: () => this.log.lastSeq(), maxEvents: caps.maxEvents };
    const intake = await parseUserEvents(this.env.DB, workspaceId, events, cap);
    if (!intake.ok) return intake;
    const parsed = intake.value;
    try {
      let ids: string[] = [];
      const committed = state.threads
        ? await this.threads.accept(parsed, (accepted) => (ids = accepted), caps.serverHands)
        : await this.commit((t) => {
            ids = acceptUserEvents(t, parsed, { inflightUsage: this.turn.inflight?.call.usage, serverHands: caps.serverHands });
          });
      const wanted = new Set(ids);
      if (parsed.some((e) => e.type === "user.message")) this.tools.wakeHands();
      return ok({ events: committed.filter((e) => wanted.has(e.event.id)).map((e) => e.event) });
    } catch (err) {
      if (err instanceof InvalidEvent) return fail("invalid_request_error", err.message);
      throw err;
    }
  }

  /** A page of the log (`events.list`, or one thread's with `threadId`): keyset on log position, so pages never skip or repeat. */
  async listEvents(
    workspaceId: string,
    query: ListEventsQuery,
    threadId?: string,
  ): Promise<RpcResult<{ data: SessionEvent[]; next_page: string | null }>> {
    const state = this.owned(workspaceId);
    if (!state) return fail("not_found_error", SESSION_NOT_FOUND);
    const scope = threadId === undefined ? undefined : threadScope(state, threadId);
    if (scope === null) return fail("not_found_error", `thread ${threadId} not found`);
    return eventsPage(this.log, query, scope);
  }

  async update(workspaceId: string, patch: ConfigPatch): Promise<RpcResult<void>> {
    return this.transition(workspaceId, (t) => updateConfig(t, patch));
  }

  async archive(workspaceId: string): Promise<RpcResult<void>> {
    const wasArchived = Boolean(this.current?.archivedAt);
    const result = await this.transition(workspaceId, (t) => {
      archive(t);
      // Archiving is the one thing outside the agent that ends its workflow runs (platform docs, "Workflow runs").
      if (t.state.threads?.workflows) endWorkflowRunsOnArchive(new ThreadTx(t));
    });
    if (result.ok && !wasArchived && this.current) this.webhooks.notify(this.current, ["session.archived"]);
    return result;
  }

  /** Deletes everything the session holds: streams end with `session.deleted`, then storage is wiped. */
  async destroy(workspaceId: string): Promise<RpcResult<void>> {
    const state = this.owned(workspaceId);
    if (!state) return fail("not_found_error", SESSION_NOT_FOUND);
    try {
      assertDeletable(state);
    } catch (err) {
      if (err instanceof InvalidEvent) return fail("invalid_request_error", err.message);
      throw err;
    }
    // A deleted session has ended: streams see it terminate (unless archiving already did), then go away.
    const at = new Date().toISOString();
    const ending = state.status === "terminated" ? [] : [{ id: this.log.reserveId(), type: "session.status_terminated", processed_at: at } as SessionEvent];
    const deleted = { id: this.log.reserveId(), type: "session.deleted", processed_at: at } as SessionEvent;
    this.fanout.closeAll(...ending, deleted);
    this.webhooks.notify(state, [...ending.map(() => "session.status_terminated" as const), "session.deleted"]);
    this.turn.inflight?.abort.abort();
    this.current = undefined;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return ok(undefined);
  }

  /** `sessions.threads.list`. */
  async listThreads(workspaceId: string, query: ThreadListQuery) {
    const state = this.owned(workspaceId);
    if (!state) return fail("not_found_error", SESSION_NOT_FOUND);
    return threadListPage(state, query);
  }

  /** `sessions.threads.retrieve`. */
  async getThread(workspaceId: string, threadId: string) {
    const state = this.owned(workspaceId);
    if (!state) return fail("not_found_error", SESSION_NOT_FOUND);
    if (!hasThread(state, threadId)) return fail("not_found_error", `thread ${threadId} not found`);
    return ok(threadJson(state, threadId));
  }

  /** `sessions.threads.archive`: a child thread that is not running ends, and keeps its log. */
  async archiveThread(workspaceId: string, threadId: string) {
    const state = this.owned(workspaceId);
    if (!state) return fail("not_found_error", SESSION_NOT_FOUND);
    if (!hasThread(state, threadId)) return fail("not_found_error", `thread ${threadId} not found`);
    if (!state.threads) return fail("invalid_request_error", "the primary thread cannot be archived; archive the session instead");
    try {
      await this.threads.archive(threadId);
    } catch (err) {
      if (err instanceof InvalidEvent) return fail("invalid_request_error", err.message);
      throw err;
    }
    return ok(threadJson(this.current!, threadId));
  }

  /**
   * From the hands' work queue (work-queue/hands-notice.ts): this session's tool uses wait for a worker (none is free),
   * or a worker has just claimed them. Announced as a `session.status_running` carrying `waiting_for_hands`: the SDK's
   * own status event (a typed client reads a running session), with the reason alongside. Single-thread sessions.
   */
  async handsWaiting(workspaceId: string, waiting: boolean): Promise<void> {
    const state = this.owned(workspaceId);
    if (!state || state.threads || state.status !== "running") return;
    // The queue announces each item at most once each way; "arrived" only follows a "waiting" this instance said.
    if (!waiting && this.waitingForHands !== true) return;
    this.waitingForHands = waiting;
    await this.commit((t) => {
      t.emit({ type: "session.status_running", waiting_for_hands: waiting } as EventDraft);
    });
  }

  /** The workspace's webhook endpoints changed: the next status change reads them again. */
  async forgetWebhookEndpoints(): Promise<void> {
    this.webhooks.forgetEndpoints();
  }

  /** The session row's fields this object owns, newer than D1's while a mirror write is deferred (`sessions.retrieve`). */
  async mirrored(workspaceId: string): Promise<MirroredFields | undefined> {
    const state = this.owned(workspaceId);
    return state && mirroredFields(state);
  }

  /** The state as the DO sees it (tests and diagnostics). */
  async inspect(): Promise<SessionState | undefined> {
    return this.current;
  }

  /**
   * Streams: `GET /stream` (SSE) and `GET /ws` (WebSocket upgrade), session-streams.ts. The router has checked the
   * workspace; it repeats it in `x-workspace-id` as a guard.
   */
  async fetch(request: Request): Promise<Response> {
    return openStream(request, this.owned(request.headers.get("x-workspace-id") ?? ""), this.log, this.fanout);
  }

  // Hibernatable WebSocket handlers. The socket is output-only: "ping" is answered by the auto-response
  // without waking the object, anything else a client sends is ignored.
  async webSocketMessage() {}

  async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // The loop.

  async alarm() {
    if (!this.current) return;
    // A watchdog or retry alarm after a crash may find the turn over but its last state never mirrored.
    if (this.mirror.behind) await this.mirror.flush();
    return this.current.threads ? this.threads.alarm() : this.turn.alarm();
  }

  /** A fresh instance (first use, or after eviction/crash) picks up whatever the turn was doing. */
  private async resumeAfterWake() {
    // The previous instance may have died between committing a transition and mirroring it to D1.
    if (this.mirror.behind) await this.mirror.flush();
    return this.current?.threads ? this.threads.resume() : this.turn.resume();
  }

  /**
   * Runs a transition: the events append and the state saves in one SQLite transaction (an `InvalidEvent`
   * thrown by `fn` writes nothing), then subscribers get the events and the effects run.
   */
  private async commit(fn: (t: Transition) => void): Promise<StoredEvent[]> {
    const t = new Transition(this.current!, () => this.log.reserveId());
    fn(t);
    const before = this.current!.mirrorSeq;
    const tokensBefore = totalTokens(this.current!.usage);
    const events = this.ctx.storage.transactionSync(() => {
      const stored = this.log.append(t.drafts);
      this.store.save(t.state);
      return stored;
    });
    this.current = t.state;
    this.fanout.publish(events);
    this.webhooks.notify(t.state, events.flatMap((e) => webhookTypesFor(e.event)));
    // After the subscribers have the events: the quota object's call would otherwise be sent ahead of them.
    this.countModelTokens(t.state, totalTokens(t.state.usage) - tokensBefore);
    const { effects } = t;
    // Commits inside a model step mirror once, after it (d1-mirror.ts); the one that starts a turn mirrors before its
    // acknowledgement, since a list filtered by status right after `events.send` must see the session running. That
    // write is sent first, so the alarm and the model step's start run while D1 answers.
    const inStep = this.turn.running;
    let mirrored: Promise<void> | undefined;
    if (t.state.mirrorSeq !== before) {
      if (inStep) this.mirror.later((write) => this.ctx.waitUntil(write));
      else mirrored = this.mirror.flush();
    }
    if (effects.abortModel) {
      this.turn.inflight?.abort.abort();
      this.fanout.clearPreviews();
    }
    if (effects.dispatch.length) this.tools.dispatch(effects.dispatch);
    if (effects.mcp.length) this.tools.runMcp(effects.mcp);
    if (effects.server.length) this.tools.runServerTools(effects.server);
    if (effects.runModel) {
      // A multiagent session's threads run from the alarm (ThreadRunner); a single thread runs inline.
      if (t.state.threads) await this.ctx.storage.setAlarm(Date.now());
      else await this.turn.modelDue();
    } else if (effects.wakeAt !== null) await this.ctx.storage.setAlarm(effects.wakeAt);
    await mirrored;
    return events;
  }

  /** Model tokens go to the workspace's daily count (model_tokens_per_day), off the turn's path. */
  private countModelTokens(state: SessionState, tokens: number) {
    if (tokens <= 0) return;
    const report = workspaceQuota(this.env, state.workspaceId)
      .recordModelTokens(tokens)
      .catch((err) => console.error(JSON.stringify({ level: "error", message: "counting model tokens failed", session: state.sessionId, error: String(err) })));
    this.ctx.waitUntil(report);
  }

  private async transition(workspaceId: string, fn: (t: Transition) => void): Promise<RpcResult<void>> {
    if (!this.owned(workspaceId)) return fail("not_found_error", SESSION_NOT_FOUND);
    try {
      await this.commit(fn);
      return ok(undefined);
    } catch (err) {
      if (err instanceof InvalidEvent) return fail("invalid_request_error", err.message);
      throw err;
    }
  }

  private owned(workspaceId: string): SessionState | undefined {
    return this.current && this.current.workspaceId === workspaceId ? this.current : undefined;
  }
}
