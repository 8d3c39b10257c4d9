import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";
import { dispatchToolUses, prepareHands } from "../../src/hands";
import { decodeCursor, encodeCursor } from "../../src/lib/pagination";
import { describeIssues } from "../../src/lib/validation";
import { eventParams, systemMessagePlacement, type ListEventsQuery } from "../../src/schemas/events";
import { emptyUsage } from "../../src/schemas/sessions";
import { runModelStep } from "./agent-loop";
import { McpHub } from "./mcp/hub";
import { runMcpToolUses } from "./mcp/run";
import { runServerToolUses } from "./web-fetch";
import { EndpointCache } from "./endpoint-cache";
import { D1Mirror, mirroredFields, type MirroredFields } from "./d1-mirror";
import { EventLog, parseMicros } from "./event-log";
import { jsonBytes, MAX_EVENT_BYTES, tooLarge } from "./event-size";
import { fileIdsIn, foreignFileIds } from "./file-blocks";
import { FanOut, type DeltaType } from "./fan-out";
import type { ModelCall } from "./model-call";
import {
  acceptUserEvents,
  archive,
  assertDeletable,
  initialTurn,
  retryDue,
  Transition,
  updateConfig,
  type ConfigPatch,
} from "./session-state";
import { StateStore } from "./state-store";
import { ThreadRunner } from "./thread-runner";
import { threadOwnView } from "./thread-view";
import { hasThread, initialThreads, primaryThreadId, threadJson, threadsPage, ThreadTx, type ThreadListQuery } from "./threads";
import { endWorkflowRunsOnArchive } from "./workflows";
import type { LogScope } from "./event-log";
import { webhookTypesFor } from "./webhooks";
import { SESSION_NOT_FOUND } from "../../src/db/queries/sessions";
import { emitWebhookEvents } from "../../src/webhooks/emit";
import { startsTurn, totalTokens } from "../../src/limits/model-tokens";
import { workspaceQuota } from "../workspace-quota/workspace-quota";
import type { WorkspaceEventType } from "../../src/webhooks/events";
import {
  fail,
  InvalidEvent,
  ok,
  type EventDraft,
  type PendingToolUse,
  type RpcResult,
  type SessionEvent,
  type SessionState,
  type StoredEvent,
  type UserEventParams,
} from "./types";

/** What `sessions.create` hands the new session's object: its identity and configuration, then its first events. */
export type InitInput = Pick<
  SessionState,
  "sessionId" | "workspaceId" | "environmentId" | "agent" | "title" | "metadata" | "createdAt" | "budget" | "memoryMounts"
> & { initialEvents?: UserEventParams[]; maxEvents?: number };

/** How long a model step may run before the alarm assumes this instance died and redoes it. */
const WATCHDOG_MS = 5 * 60_000;
/** A step started inline gets this long before the alarm joins it (keeping the object alive) or, after a crash, redoes it. */
const STEP_GRACE_MS = 1_000;

/**
 * One per session (named by the session id): the single writer of the session's event log, its state
 * machine and usage, and the hub its streams fan out from. A commit that makes a model call due starts the
 * step at once in this instance and arms the alarm as the safety net; steps run one at a time, and a turn
 * survives eviction (the alarm fires and the step is redone from the log).
 *
 * RPC methods return `RpcResult`s rather than throwing, because errors lose their type across RPC.
 */
export class SessionDurableObject extends DurableObject<Env> {
  private log!: EventLog;
  private store!: StateStore;
  private current: SessionState | undefined;
  private readonly fanout: FanOut;
  private readonly mirror: D1Mirror;
  private inflight: { abort: AbortController; call: ModelCall } | undefined;
  /** The model steps running in this instance, if any; `stepAgain` asks them for one more. */
  private stepping: Promise<void> | undefined;
  private stepAgain = false;
  /** Whether the stream last said this session's tool uses wait for a worker (`handsWaiting`). */
  private waitingForHands: boolean | undefined;
  /** Webhook events go out one after another, so receivers' outboxes get them in transition order. */
  private webhooks: Promise<void> = Promise.resolve();
  /** The workspace's webhook endpoints, kept here until an endpoint changes (endpoint-cache.ts). */
  private readonly endpoints: EndpointCache;
  private mcp!: McpHub;
  /** A multiagent session's threads run here, in this object (threads.ts says why). */
  private threads!: ThreadRunner;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.fanout = new FanOut(ctx);
    this.mirror = new D1Mirror(env.DB, () => this.current, ctx.storage.sql);
    this.mcp = new McpHub(env);
    this.endpoints = new EndpointCache(env, () => this.current?.sessionId);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    void ctx.blockConcurrencyWhile(async () => {
      this.log = new EventLog(ctx.storage.sql);
      this.store = new StateStore(ctx.storage.sql);
      this.current = this.store.load();
      this.threads = new ThreadRunner({
        ctx,
        env,
        log: this.log,
        fanout: this.fanout,
        mcp: this.mcp,
        state: () => this.current,
        commit: (fn) => this.commit(fn),
        dispatch: (toolUses) => this.dispatch(toolUses),
      });
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
    const state: SessionState = {
      sessionId: input.sessionId,
      workspaceId: input.workspaceId,
      environmentId: input.environmentId,
      agent: input.agent,
      title: input.title,
      metadata: input.metadata,
      status: "idle",
      usage: emptyUsage(),
      activeSeconds: 0,
      runningSince: null,
      createdAt: input.createdAt,
      updatedAt: input.createdAt,
      archivedAt: null,
      turn: initialTurn(),
      mirrorSeq: 0,
      budget: input.budget ?? null,
      ...(input.memoryMounts?.length ? { memoryMounts: input.memoryMounts } : {}),
    };
    state.threads = initialThreads(state);
    if (!input.initialEvents?.length) {
      this.ctx.storage.transactionSync(() => this.store.save(state));
      this.current = state;
      this.notify(state, ["session.created"]);
      return ok({ events: [] });
    }
    // The state is saved in the same transaction as the initial events: refused events leave no session behind.
    this.current = state;
    this.notify(state, ["session.created"]);
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
    const held = caps.maxEvents !== undefined && startsTurn(events) ? this.log.lastSeq() : 0;
    if (caps.maxEvents !== undefined && held >= caps.maxEvents) {
      return fail(
        "invalid_request_error",
        `this session holds ${held} events, its workspace's limit (max_events_per_session: ${caps.maxEvents}); it takes no new turn: start a new session`,
      );
    }
    const parsed: UserEventParams[] = [];
    for (const [i, event] of events.entries()) {
      const bytes = jsonBytes(event);
      if (bytes > MAX_EVENT_BYTES) return fail("request_too_large", `events.${i}: ${tooLarge("this event", bytes)}`);
      const result = eventParams.safeParse(event);
      if (!result.success) {
        const issues = result.error.issues.map((issue) => ({ ...issue, path: ["events", i, ...issue.path] }));
        return fail("invalid_request_error", describeIssues(issues));
      }
      parsed.push(result.data as UserEventParams);
    }
    const misplaced = systemMessagePlacement(parsed);
    if (misplaced) return fail("invalid_request_error", misplaced);
    // Files named in content blocks must be the workspace's own (file-blocks.ts): never another tenant's, never upstream ids.
    const named = parsed.flatMap((e) => fileIdsIn("content" in e ? e.content : undefined));
    const foreign = named.length ? await foreignFileIds(this.env.DB, workspaceId, named) : [];
    if (foreign.length) return fail("not_found_error", `file not found: ${foreign[0]}`);
    try {
      let ids: string[] = [];
      const committed = state.threads
        ? await this.threads.accept(parsed, (accepted) => (ids = accepted), caps.serverHands)
        : await this.commit((t) => {
            ids = acceptUserEvents(t, parsed, { inflightUsage: this.inflight?.call.usage, serverHands: caps.serverHands });
          });
      const wanted = new Set(ids);
      // A message may wake a long-dormant session whose work item is gone: queue it again (off the model's path).
      if (parsed.some((e) => e.type === "user.message")) this.wakeHands();
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
    const scope = threadId === undefined ? undefined : this.threadScope(state, threadId);
    if (scope === null) return fail("not_found_error", `thread ${threadId} not found`);
    let afterSeq: number | undefined;
    let order = query.order;
    if (query.page) {
      let cursor;
      try {
        cursor = decodeCursor(query.page);
      } catch {
        return fail("invalid_request_error", "page: invalid page cursor");
      }
      afterSeq = this.log.seqOf(cursor.after);
      if (afterSeq === undefined) return fail("invalid_request_error", "page: invalid page cursor");
      order = cursor.order;
    }
    const bound = (key: keyof ListEventsQuery, offset: number) => {
      const value = query[key] as string | undefined;
      const micros = value === undefined ? undefined : parseMicros(value);
      return micros === undefined ? undefined : micros + offset;
    };
    const from = max(bound("created_at[gte]", 0), bound("created_at[gt]", 1));
    const to = min(bound("created_at[lte]", 0), bound("created_at[lt]", -1));
    const rows = this.log.page({ afterSeq, order, limit: query.limit + 1, types: query.types, fromMicros: from, toMicros: to, scope });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return ok({
      data: page.map((r) => (scope?.kind === "thread" ? threadOwnView(r.event) : r.event)),
      next_page: rows.length > query.limit && last ? encodeCursor({ after: last.event.id, order }) : null,
    });
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
    if (result.ok && !wasArchived && this.current) this.notify(this.current, ["session.archived"]);
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
    this.notify(state, [...ending.map(() => "session.status_terminated" as const), "session.deleted"]);
    this.inflight?.abort.abort();
    this.current = undefined;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return ok(undefined);
  }

  /** `sessions.threads.list`. */
  async listThreads(workspaceId: string, query: ThreadListQuery) {
    const state = this.owned(workspaceId);
    if (!state) return fail("not_found_error", SESSION_NOT_FOUND);
    let after: string | undefined;
    if (query.page) {
      try {
        after = decodeCursor(query.page).after;
      } catch {
        return fail("invalid_request_error", "page: invalid page cursor");
      }
      if (!hasThread(state, after)) return fail("invalid_request_error", "page: invalid page cursor");
    }
    const { data, last } = threadsPage(state, query, after);
    return ok({ data, next_page: last ? encodeCursor({ after: last, order: "asc" }) : null });
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

  /** A thread's part of the log: the primary's is the session's own view; a child's, its own events. `null`: no such thread. */
  private threadScope(state: SessionState, threadId: string): LogScope | undefined | null {
    if (!hasThread(state, threadId)) return null;
    return threadId === primaryThreadId(state.sessionId) ? undefined : { kind: "thread", thread: threadId };
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
    this.endpoints.forget();
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
   * Streams: `GET /stream` (SSE) and `GET /ws` (WebSocket upgrade). `after` (the last event id the client
   * saw) replays everything after it first; without it the connection starts at the live edge.
   * The router has checked the workspace; it repeats it in `x-workspace-id` as a guard.
   */
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const state = this.owned(request.headers.get("x-workspace-id") ?? "");
    if (!state) return Response.json({ type: "not_found_error", message: SESSION_NOT_FOUND }, { status: 404 });
    const deltas = url.searchParams.getAll("deltas") as DeltaType[];
    const threadId = url.searchParams.get("thread");
    const scope = threadId === null ? undefined : this.threadScope(state, threadId);
    if (scope === null) return Response.json({ type: "not_found_error", message: `thread ${threadId} not found` }, { status: 404 });
    const after = url.searchParams.get("after");
    let afterSeq = this.log.lastSeq();
    if (after) {
      const seq = this.log.seqOf(after);
      if (seq === undefined) {
        return Response.json({ type: "invalid_request_error", message: `no event ${after} in this session` }, { status: 400 });
      }
      afterSeq = seq;
    }
    // Backlog read and subscription happen in this one synchronous step: nothing can be appended between.
    const backlog = this.log.after(afterSeq, undefined, scope);
    if (url.pathname === "/ws") {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return Response.json({ type: "invalid_request_error", message: "expected a WebSocket upgrade" }, { status: 426 });
      }
      return this.fanout.openWebSocket(backlog, deltas);
    }
    return this.fanout.openSse(backlog, deltas, scope?.kind === "thread" ? threadId! : undefined);
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
    const state = this.current;
    if (!state) return;
    // A watchdog or retry alarm after a crash may find the turn over but its last state never mirrored.
    if (this.mirror.behind) await this.mirror.flush();
    if (state.threads) return this.threads.alarm();
    const turn = state.turn;
    if (turn.phase === "retry_wait") {
      // An alarm never fires before its time, but Date.now() in a Worker is coarse; only a wake-up well
      // ahead of the backoff (some other alarm) waits. Re-arming the very time that is firing would not
      // stick: the runtime clears an alarm whose handler returns without moving it.
      if (turn.retryAt && Date.now() < turn.retryAt - 1000) {
        await this.ctx.storage.setAlarm(turn.retryAt);
        return;
      }
      await this.commit((t) => retryDue(t));
    }
    if (this.current?.turn.phase === "tools") {
      this.dispatch(this.current.turn.pending.filter((p) => p.kind === "builtin" && p.awaiting === "result"));
      this.runMcp(this.current.turn.pending.filter((p) => p.kind === "mcp" && p.awaiting === "result"));
      this.runServerTools(this.current.turn.pending.filter((p) => p.kind === "server" && p.awaiting === "result"));
      return;
    }
    if (this.current?.turn.phase !== "model") return;
    // If this instance dies mid-call, this alarm brings the step back (and it is redone from the log).
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    // A step already running here (started inline by the commit) is joined, never doubled: the alarm
    // handler then only keeps the object alive until it ends.
    await (this.stepping ?? this.startSteps());
  }

  /**
   * Runs the model step in this instance right after the commit that made it due, without waiting for it
   * (the RPC that committed answers at once). The alarm armed just before is the safety net: it fires
   * only if the step outlives STEP_GRACE_MS (and then joins it) or this instance dies (and then redoes it).
   */
  private runSoon() {
    if (this.stepping) {
      this.stepAgain = true;
      return;
    }
    // A step that throws leaves the alarm armed: it runs the step again, as a failed alarm would be retried.
    const steps = this.startSteps().catch((err) =>
      console.error(JSON.stringify({ level: "error", message: "model step failed", session: this.current?.sessionId, error: String(err) })),
    );
    this.ctx.waitUntil(steps);
  }

  /** Model steps, one at a time, until none is due: a commit during a step that makes another due loops. */
  private startSteps(): Promise<void> {
    const run = async () => {
      do {
        this.stepAgain = false;
        await runModelStep({
          env: this.env,
          log: this.log,
          fanout: this.fanout,
          state: () => this.current,
          commit: async (fn) => {
            await this.commit(fn);
          },
          track: (inflight) => {
            this.inflight = inflight;
          },
          mcp: this.mcp,
        });
      } while (this.stepAgain && this.current?.turn.phase === "model");
      const phase = this.current?.turn.phase;
      if (phase !== "model" && phase !== "retry_wait") await this.ctx.storage.deleteAlarm();
    };
    this.stepping = run().finally(() => {
      this.stepping = undefined;
      this.ctx.waitUntil(this.mirror.settle());
    });
    return this.stepping;
  }

  /** A fresh instance (first use, or after eviction/crash) picks up whatever the turn was doing. */
  private async resumeAfterWake() {
    // The previous instance may have died between committing a transition and mirroring it to D1.
    if (this.mirror.behind) await this.mirror.flush();
    if (this.current?.threads) return this.threads.resume();
    const turn = this.current?.turn;
    if (!turn) return;
    if (turn.phase === "model") await this.ctx.storage.setAlarm(Date.now());
    else if (turn.phase === "retry_wait") await this.ctx.storage.setAlarm(turn.retryAt ?? Date.now());
    else if (turn.phase === "tools") {
      this.dispatch(turn.pending.filter((p) => p.kind === "builtin" && p.awaiting === "result"));
      this.runMcp(turn.pending.filter((p) => p.kind === "mcp" && p.awaiting === "result"));
      this.runServerTools(turn.pending.filter((p) => p.kind === "server" && p.awaiting === "result"));
    }
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
    this.notify(t.state, events.flatMap((e) => webhookTypesFor(e.event)));
    // After the subscribers have the events: the quota object's call would otherwise be sent ahead of them.
    this.countModelTokens(t.state, totalTokens(t.state.usage) - tokensBefore);
    const { effects } = t;
    // Commits inside a model step mirror once, after it (d1-mirror.ts); the one that starts a turn mirrors before its
    // acknowledgement, since a list filtered by status right after `events.send` must see the session running. That
    // write is sent first, so the alarm and the model step's start run while D1 answers.
    const inStep = this.stepping !== undefined;
    let mirrored: Promise<void> | undefined;
    if (t.state.mirrorSeq !== before) {
      if (inStep) this.mirror.later((write) => this.ctx.waitUntil(write));
      else mirrored = this.mirror.flush();
    }
    if (effects.abortModel) {
      this.inflight?.abort.abort();
      this.fanout.clearPreviews();
    }
    if (effects.dispatch.length) this.dispatch(effects.dispatch);
    if (effects.mcp.length) this.runMcp(effects.mcp);
    if (effects.server.length) this.runServerTools(effects.server);
    if (effects.runModel) {
      // A multiagent session's threads run from the alarm (ThreadRunner); a single thread runs inline.
      if (t.state.threads) await this.ctx.storage.setAlarm(Date.now());
      else {
        await this.ctx.storage.setAlarm(Date.now() + STEP_GRACE_MS);
        this.runSoon();
      }
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

  /** MCP tool uses run here, in the brain (the credentials never reach the sandbox); results commit as they land. */
  private runMcp(toolUses: PendingToolUse[]) {
    if (!this.current || !toolUses.length) return;
    runMcpToolUses(this.mcp, () => this.current, toolUses, (fn) => this.commit(fn).then(() => {}));
  }

  /** web_fetch runs here, in the brain, with no credential (web-fetch.ts); results commit as they land. */
  private runServerTools(toolUses: PendingToolUse[]) {
    if (!this.current || !toolUses.length) return;
    runServerToolUses(this.env, () => this.current, () => this.log.after(0), toolUses, (fn) => this.commit(fn));
  }

  /** Built-in tool uses go to the hands; results come back later as `user.tool_result` via `sendEvents`. */
  private dispatch(toolUses: PendingToolUse[]) {
    const state = this.current;
    if (!state || !toolUses.length) return;
    const work = dispatchToolUses(
      { env: this.env, workspaceId: state.workspaceId, sessionId: state.sessionId, environmentId: state.environmentId },
      toolUses.map((p) => ({ id: p.eventId, name: p.name, input: p.input })),
    ).catch((err) =>
      console.error(JSON.stringify({ level: "error", message: "dispatching tool uses failed", session: state.sessionId, error: String(err) })),
    );
    this.ctx.waitUntil(work);
  }

  private wakeHands() {
    const state = this.current;
    if (!state) return;
    const ctx = { env: this.env, workspaceId: state.workspaceId, sessionId: state.sessionId, environmentId: state.environmentId };
    this.ctx.waitUntil(
      prepareHands(ctx).catch((err) =>
        console.error(JSON.stringify({ level: "error", message: "queueing the session's hands failed", session: state.sessionId, error: String(err) })),
      ),
    );
  }

  /** Hands session webhook events to the workspace's delivery outbox, in order, off the request's path. */
  private notify(state: SessionState, types: WorkspaceEventType[]) {
    if (!types.length) return;
    const { workspaceId, sessionId } = state;
    this.webhooks = this.webhooks.then(() =>
      emitWebhookEvents(
        this.env,
        this.ctx,
        types.map((type) => ({ workspaceId, type, id: sessionId })),
        (workspace) => this.endpoints.get(workspace),
      ),
    );
    this.ctx.waitUntil(this.webhooks);
  }

  private owned(workspaceId: string): SessionState | undefined {
    return this.current && this.current.workspaceId === workspaceId ? this.current : undefined;
  }
}

const max = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
const min = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
