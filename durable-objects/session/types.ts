import type { MemoryMount } from "../../src/sessions/memory-mounts";
import type { OutcomeState } from "./outcomes";
import type { ThreadsState } from "./thread-state";
import type {
  BetaManagedAgentsSessionEvent,
  BetaManagedAgentsEventParams,
} from "@anthropic-ai/sdk/resources/beta/sessions/events";
import type {
  BetaManagedAgentsBudgetLimit,
  BetaManagedAgentsSessionAgent,
  BetaManagedAgentsSessionUsage,
} from "@anthropic-ai/sdk/resources/beta/sessions/sessions";

/** Every event the log holds, typed by the SDK (the contract). */
export type SessionEvent = BetaManagedAgentsSessionEvent;
export type SessionEventType = SessionEvent["type"];
/** What clients (and the hands) may send. */
export type UserEventParams = BetaManagedAgentsEventParams;
export type SessionAgent = BetaManagedAgentsSessionAgent;
export type SessionUsage = BetaManagedAgentsSessionUsage;
export type SessionStatus = "idle" | "running" | "rescheduling" | "terminated";

/**
 * An event about to be appended: the public fields minus `id`/`processed_at` (assigned by the log),
 * an optional id reserved earlier (a streamed preview already announced it), and data the brain needs
 * later but clients never see (a thinking block's signature).
 */
export type EventDraft = { [K in SessionEvent as K["type"]]: Omit<K, "id" | "processed_at"> }[SessionEventType] & {
  id?: string;
  internal?: InternalData;
  /** The child thread the event belongs to (threads.ts); absent: the primary thread. */
  thread?: string;
  /** A child thread's event also shown on the session (primary) stream. */
  crosspost?: boolean;
};

export interface InternalData {
  /** The model's thinking block, replayed verbatim so extended thinking keeps working across tool use. */
  thinking?: { type: "thinking"; thinking: string; signature: string } | { type: "redacted_thinking"; data: string };
  /** A server tool's block (`server_tool_use`, `web_search_tool_result`), replayed verbatim (web-tools.ts). */
  serverBlock?: Record<string, unknown>;
  /** A compaction's summary, standing in for every event up to `throughSeq` (compaction.ts). */
  compaction?: { summary: string; throughSeq: number };
}

/** A committed event: its public JSON plus its log position. */
export interface StoredEvent {
  seq: number;
  event: SessionEvent;
  internal: InternalData | null;
  /** See `EventDraft.thread` / `crosspost`. */
  thread?: string | null;
  crosspost?: boolean;
}

/** A tool call the turn cannot continue without. */
export interface PendingToolUse {
  /** The `agent.tool_use` / `agent.custom_tool_use` event id (also the tool_use id the model sees). */
  eventId: string;
  name: string;
  input: Record<string, unknown>;
  /** `server`: web_fetch, which the brain runs itself (web-fetch.ts). */
  kind: "builtin" | "custom" | "mcp" | "server";
  /** For `mcp`: the server of the tool (`name` is then the MCP tool's own name). */
  mcpServer?: string;
  /** `confirmation`: held by an always_ask policy; `result`: waiting for the hands (or the client). */
  awaiting: "confirmation" | "result";
}

/**
 * Where the current turn is. `model`: a model call is due or in flight; `tools`: waiting for built-in tool
 * results from the hands; `retry_wait`: backing off after a retryable model error; `idle`: nothing to do
 * (pending may still hold custom tool uses or confirmations the client owes: requires_action).
 */
export interface TurnState {
  phase: "idle" | "model" | "tools" | "retry_wait";
  pending: PendingToolUse[];
  /** Failed attempts of the current model call. */
  attempt: number;
  /** Epoch ms when a retry is due (phase retry_wait). */
  retryAt: number | null;
  /** The `span.model_request_start` of a model call started but not yet committed: a crash redoes the call under it. */
  inflightStartId: string | null;
  /** Bumped by every interrupt; a model call started under an older epoch commits nothing. */
  epoch: number;
  /** Model calls in this turn (guards against endless tool loops). */
  modelCalls: number;
  /** After a `pause_turn`: the paused answer's server tool call ids (upstream id → event id), for their results. */
  pausedServerToolUses?: Record<string, string>;
}

/** What a session and each of its threads track alike: status, usage and time. */
export interface Lifecycle {
  status: SessionStatus;
  usage: SessionUsage;
  activeSeconds: number;
  runningSince: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

/** Everything the DO keeps besides the log. One JSON row, written in the same transaction as the events. */
export interface SessionState extends Lifecycle {
  sessionId: string;
  workspaceId: string;
  environmentId: string;
  agent: SessionAgent;
  title: string | null;
  metadata: Record<string, string>;
  turn: TurnState;
  /** Bumped on every change the D1 index mirrors; the mirror drops writes older than the row's. */
  mirrorSeq: number;
  /** The spend ceiling set at creation (budget.ts); absent or null: uncapped. */
  budget?: BetaManagedAgentsBudgetLimit | null;
  /** Exact list cost so far in nano-USD (`usage.list_cost` is its rounded rendering). */
  listCostNano?: number;
  /** Outcomes defined so far, the open one last (outcomes.ts). */
  outcomes?: OutcomeState[];
  /** A multiagent session's threads (thread-state.ts); absent for a single-agent session. */
  threads?: ThreadsState;
  /** The memory stores attached at creation, described in every model request's system prompt. */
  memoryMounts?: MemoryMount[];
}

/** RPC results carry API errors as data: an Error thrown across RPC loses its type and status. */
export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: RpcError };
export interface RpcError {
  type: "invalid_request_error" | "not_found_error" | "conflict_error" | "request_too_large";
  message: string;
}

export const ok = <T>(value: T): RpcResult<T> => ({ ok: true, value });
export const fail = (type: RpcError["type"], message: string): RpcResult<never> => ({ ok: false, error: { type, message } });

/** Thrown inside a transition to reject an input; the transaction rolls back and the caller gets a 400. */
export class InvalidEvent extends Error {}
