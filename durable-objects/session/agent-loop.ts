import Anthropic from "@anthropic-ai/sdk";
import type { Env } from "../../src/env";
import { buildMessages, systemPrompt } from "./conversation";
import { resolveFileBlocks } from "./file-blocks";
import type { EventLog } from "./event-log";
import type { FanOut } from "./fan-out";
import { ModelCall, type ModelResult } from "./model-call";
import { backoffMs, classifyModelError } from "./model-errors";
import { budgetSpent } from "./budget";
import { compactIfNeeded } from "./compaction";
import type { McpHub } from "./mcp/hub";
import { isEvaluating, runGraderStep } from "./outcomes";
import {
  completeModelCall,
  failModelCall,
  reportMcpErrors,
  startModelCall,
  stopForBudget,
  type Transition,
} from "./session-state";
import { resolveTools } from "./tools";
import { memoryPromptNote } from "../../src/sessions/memory-mounts";
import type { SessionState } from "./types";

/** What the brain needs from its Durable Object. */
export interface BrainHost {
  readonly env: Env;
  /** The conversation's log: the session's, or one thread's view of it (thread-runner.ts). */
  readonly log: Pick<EventLog, "reserveId" | "lastSeq" | "after" | "hasTypeAfter">;
  readonly fanout: Pick<FanOut, "wants" | "preview" | "clearPreviews">;
  /** The current state; undefined once the session is deleted. */
  state(): SessionState | undefined;
  /** Applies a state-machine transition: events and state commit together, then subscribers and effects. */
  commit(fn: (t: Transition) => void): Promise<void>;
  /** The call in flight, so an interrupt can abort it and book what it spent. */
  track(inflight: { abort: AbortController; call: ModelCall } | undefined): void;
  /** The session's MCP clients: their tools join the model's. */
  readonly mcp?: Pick<McpHub, "offer">;
}

const MAX_TOKENS = 16_384;

/**
 * One step of the agent loop: one model call, from the conversation the log holds to the events its
 * answer becomes. The span start is committed before the call and the whole answer (content events, span
 * end, usage, next phase) in one transaction after it, so a crash mid-call leaves an open span that the
 * next attempt reuses and redoes: nothing committed is ever redone, nothing half-done is ever kept. An
 * interrupt (which bumps the turn epoch) or a newer attempt makes a late result commit nothing.
 */
export async function runModelStep(host: BrainHost): Promise<void> {
  if (host.state()?.turn.phase !== "model") return;
  const before = host.state()!;
  if (isEvaluating(before)) return runGraderStep(host);
  if (!before.turn.inflightStartId && budgetSpent(before)) {
    await host.commit((t) => stopForBudget(t));
    return;
  }
  if (!before.turn.inflightStartId && !(await compactIfNeeded(host, modelId(before.agent.model)))) return;
  if (host.state()?.turn.phase !== "model") return;
  let startId = "";
  let epoch = 0;
  await host.commit((t) => {
    startId = startModelCall(t);
    epoch = t.state.turn.epoch;
  });
  // An interrupt, a delete or a newer attempt took over: this step must not write anything more.
  const stale = () => {
    const turn = host.state()?.turn;
    return !turn || turn.epoch !== epoch || turn.inflightStartId !== startId;
  };
  if (stale()) return;
  const mcp = host.mcp ? await host.mcp.offer(host.state()!) : undefined;
  if (stale()) return;
  if (mcp?.failures.length) {
    const errors = mcp.failures.map((f) => ({ type: f.type, mcp_server_name: f.serverName, message: f.message }));
    await host.commit((t) => reportMcpErrors(t, errors));
  }
  const state = host.state()!;
  const consumedSeq = host.log.lastSeq();
  const tools = resolveTools(state.agent, mcp);
  const abort = new AbortController();
  let call: ModelCall | undefined;
  let result: ModelResult;
  const history = host.log.after(0);
  const system = systemPrompt(state.agent.system, history, memoryPromptNote(state.memoryMounts ?? []));
  try {
    const messages = buildMessages(history, new Set(tools.definitions.map((t) => t.name)));
    await resolveFileBlocks(host.env, state.workspaceId, messages);
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: modelId(state.agent.model),
      max_tokens: MAX_TOKENS,
      messages,
      metadata: { user_id: state.sessionId },
      ...(system ? { system } : {}),
      // The advisor tool is a beta tool the non-beta params do not type; the beta header goes with it.
      ...(tools.definitions.length ? { tools: tools.definitions as Anthropic.ToolUnion[] } : {}),
    };
    call = new ModelCall(modelClient(host.env), params, abort.signal, {
      // Ids are reserved only for a preview someone watches: unwatched events take theirs when appended,
      // so ids follow log order unless a previewed event is overtaken by a concurrent append.
      previewStarted: (type) => {
        if (!host.fanout.wants(type)) return undefined;
        const id = host.log.reserveId();
        host.fanout.preview({ type: "event_start", event: { id, type } });
        return id;
      },
      textDelta: (eventId, text) =>
        host.fanout.preview({ type: "event_delta", event_id: eventId, delta: { type: "content_delta", content: { type: "text", text }, index: 0 } }),
    }, tools.betas);
    host.track({ abort, call });
    result = await call.run();
  } catch (err) {
    if (stale()) return;
    const classified = classifyModelError(err);
    const baseMs = Number(host.env.SESSION_RETRY_BASE_MS ?? 1000);
    const maxRetries = Number(host.env.SESSION_MAX_RETRIES ?? 5);
    const usage = call ? { ...call.usage } : undefined;
    await host.commit((t) =>
      failModelCall(t, classified, { maxRetries, delayMs: (attempt) => backoffMs(attempt, baseMs, classified.retryAfterMs), usage }),
    );
    return;
  } finally {
    host.track(undefined);
    host.fanout.clearPreviews();
  }
  if (stale()) return;
  try {
    await host.commit((t) => completeModelCall(t, result, tools, host.log.hasTypeAfter("user.message", consumedSeq)));
  } catch (err) {
    // The answer could not be applied (a bug, not the model): end the turn rather than wedge the session.
    // Unless it did commit and only a later effect failed, in which case the span is already closed.
    if (stale()) throw err;
    console.error(JSON.stringify({ level: "error", message: "applying a model response failed", session: state.sessionId, error: String(err) }));
    await host.commit((t) =>
      failModelCall(
        t,
        { type: "unknown_error", message: "the model's response could not be processed", retryable: false },
        { maxRetries: 0, delayMs: () => 0, usage: result.usage },
      ),
    );
  }
}

function modelId(model: SessionState["agent"]["model"] | string): string {
  return typeof model === "string" ? model : model.id;
}

let client: { env: Env; sdk: Anthropic } | undefined;

/**
 * The SDK pointed at the configured Messages endpoint; retries are the session's own (durable, via alarm).
 * Built once per isolate (per `env`), not per call: it holds no I/O, only configuration.
 */
function modelClient(env: Env) {
  if (client?.env !== env) {
    const sdk = new Anthropic({ baseURL: env.ANTHROPIC_BASE_URL, apiKey: env.ANTHROPIC_API_KEY ?? "", maxRetries: 0, timeout: 10 * 60_000 });
    client = { env, sdk };
  }
  return client.sdk;
}
