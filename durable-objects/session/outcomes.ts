import Anthropic from "@anthropic-ai/sdk";
import type { BetaManagedAgentsOutcomeEvaluationResource } from "@anthropic-ai/sdk/resources/beta/sessions/sessions";
import type { BetaManagedAgentsUserDefineOutcomeEventParams } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { newId } from "../../src/lib/ids";
import type { BrainHost } from "./agent-loop";
import { zeroUsage, type ModelUsage } from "./model-call";
import { beginTurn, type Transition } from "./session-state";
import { addUsage, spanUsage } from "./usage-totals";
import { InvalidEvent, type EventDraft, type SessionState } from "./types";

/**
 * Outcomes: `user.define_outcome` gives the agent a deliverable and a rubric. Each time the agent ends a
 * turn while the outcome is open, a grader (a separate model request over the rubric and the agent's
 * answer) scores it: `satisfied` / `failed` end the work, `needs_revision` feeds the grader's explanation
 * back as the next user turn, up to `max_iterations` cycles (then one last acknowledgment turn).
 */
export interface OutcomeState {
  id: string;
  description: string;
  rubric: BetaManagedAgentsUserDefineOutcomeEventParams["rubric"];
  maxIterations: number;
  iteration: number;
  status: "running" | "evaluating" | "satisfied" | "needs_revision" | "max_iterations_reached" | "failed" | "interrupted";
  explanation: string | null;
  completedAt: string | null;
  /** The open `span.outcome_evaluation_start` while grading. */
  startId: string | null;
}

const DEFAULT_ITERATIONS = 3;
const MAX_ITERATIONS = 20;
const VERDICTS = new Set(["satisfied", "needs_revision", "failed"]);
export const GRADER_SYSTEM =
  "You grade an agent's work against a rubric. Reply with only a JSON object: " +
  '{"result": "satisfied" | "needs_revision" | "failed", "explanation": "<why>"}. ' +
  "Use failed only when the rubric cannot apply to the deliverable.";

const active = (s: SessionState) => s.outcomes?.findLast((o) => o.status === "running" || o.status === "evaluating");
export const isEvaluating = (s: SessionState) => active(s)?.status === "evaluating";

/** Accepts a `user.define_outcome`: recorded with its `outc_` id; the agent starts on it like a message. */
export function acceptDefineOutcome(t: Transition, event: BetaManagedAgentsUserDefineOutcomeEventParams): string {
  const s = t.state;
  if (active(s)) throw new InvalidEvent(`events: outcome ${active(s)!.id} is still open; only one outcome runs at a time`);
  const max = event.max_iterations ?? DEFAULT_ITERATIONS;
  if (!Number.isInteger(max) || max < 1 || max > MAX_ITERATIONS) throw new InvalidEvent(`max_iterations: must be an integer from 1 to ${MAX_ITERATIONS}`);
  if (!event.description) throw new InvalidEvent("description: required");
  const outcomeId = newId("outc");
  const id = t.emit({ type: "user.define_outcome", description: event.description, rubric: event.rubric, max_iterations: max, outcome_id: outcomeId } as EventDraft);
  (s.outcomes ??= []).push({
    id: outcomeId,
    description: event.description,
    rubric: event.rubric,
    maxIterations: max,
    iteration: 0,
    status: "running",
    explanation: null,
    completedAt: null,
    startId: null,
  });
  if (s.turn.phase === "idle" && s.turn.pending.length === 0) beginTurn(t);
  return id;
}

/** The agent ended its turn: with an open outcome, grade it instead of going idle. */
export function beginEvaluation(t: Transition): boolean {
  const outcome = active(t.state);
  if (!outcome || outcome.status !== "running") return false;
  outcome.status = "evaluating";
  outcome.startId = t.emit({ type: "span.outcome_evaluation_start", outcome_id: outcome.id, iteration: outcome.iteration });
  t.state.turn.phase = "model";
  t.effects.runModel = true;
  return true;
}

/** An interrupt ends the open outcome (its evaluation span, if any, closes as interrupted). */
export function interruptOutcome(t: Transition) {
  const outcome = active(t.state);
  if (!outcome) return;
  if (outcome.startId) endSpan(t, outcome, "interrupted", "Interrupted by the user.", zeroUsage());
  outcome.status = "interrupted";
  outcome.completedAt = new Date().toISOString();
}

function endSpan(t: Transition, outcome: OutcomeState, result: string, explanation: string, usage: ModelUsage) {
  t.emit({
    type: "span.outcome_evaluation_end",
    outcome_evaluation_start_id: outcome.startId!,
    outcome_id: outcome.id,
    iteration: outcome.iteration,
    result,
    explanation,
    usage: spanUsage(usage),
  } as EventDraft);
  outcome.startId = null;
  outcome.explanation = explanation;
}

/** Applies the grader's verdict: done, another revision cycle, or the last acknowledgment turn. */
export function finishEvaluation(t: Transition, verdict: { result: string; explanation: string }, usage: ModelUsage) {
  const outcome = active(t.state);
  if (!outcome || outcome.status !== "evaluating") return;
  addUsage(t.state, usage);
  const turn = t.state.turn;
  const now = new Date().toISOString();
  if (verdict.result === "needs_revision") {
    const exhausted = outcome.iteration + 1 >= outcome.maxIterations;
    endSpan(t, outcome, exhausted ? "max_iterations_reached" : "needs_revision", verdict.explanation, usage);
    if (exhausted) {
      outcome.status = "max_iterations_reached";
      outcome.completedAt = now;
    } else {
      outcome.status = "running";
      outcome.iteration++;
    }
    // The explanation reaches the agent as the next user turn (conversation.ts).
    turn.phase = "model";
    turn.modelCalls = 0;
    t.effects.runModel = true;
    t.touch();
    return;
  }
  endSpan(t, outcome, verdict.result, verdict.explanation, usage);
  outcome.status = verdict.result as OutcomeState["status"];
  outcome.completedAt = now;
  turn.phase = "idle";
  t.setStatus("idle", { reason: { type: "end_turn" } });
}

/** One grader request (the alarm runs it in place of a model step while an outcome is evaluating). */
export async function runGraderStep(host: BrainHost): Promise<void> {
  const state = host.state()!;
  const outcome = active(state)!;
  const epoch = state.turn.epoch;
  await host.commit((t) => {
    t.emit({ type: "span.outcome_evaluation_ongoing", outcome_id: outcome.id, iteration: outcome.iteration });
  });
  const answer = lastAgentAnswer(host);
  const rubric = outcome.rubric.type === "text" ? outcome.rubric.content : `(rubric file ${outcome.rubric.file_id})`;
  let verdict: { result: string; explanation: string };
  let usage = zeroUsage();
  try {
    const client = new Anthropic({ baseURL: host.env.ANTHROPIC_BASE_URL, apiKey: host.env.ANTHROPIC_API_KEY ?? "", maxRetries: 2 });
    const message = await client.messages.create({
      model: typeof state.agent.model === "string" ? state.agent.model : state.agent.model.id,
      max_tokens: 2048,
      system: GRADER_SYSTEM,
      metadata: { user_id: state.sessionId },
      messages: [
        {
          role: "user",
          content: `Deliverable: ${outcome.description}\n\nRubric:\n${rubric}\n\nIteration: ${outcome.iteration}\n\nThe agent's answer:\n${answer}`,
        },
      ],
    });
    usage = {
      ...zeroUsage(),
      input_tokens: message.usage.input_tokens,
      output_tokens: message.usage.output_tokens,
      cache_read_input_tokens: message.usage.cache_read_input_tokens ?? 0,
      cache_creation_input_tokens: message.usage.cache_creation_input_tokens ?? 0,
      cache_creation_5m: message.usage.cache_creation_input_tokens ?? 0,
    };
    verdict = parseVerdict(message.content.map((b) => (b.type === "text" ? b.text : "")).join(""));
  } catch (err) {
    verdict = { result: "failed", explanation: `the grader could not be reached: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (host.state()?.turn.epoch !== epoch) return; // interrupted meanwhile
  await host.commit((t) => finishEvaluation(t, verdict, usage));
}

function parseVerdict(text: string): { result: string; explanation: string } {
  try {
    const parsed = JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)) as { result?: unknown; explanation?: unknown };
    if (typeof parsed.result === "string" && VERDICTS.has(parsed.result)) {
      return { result: parsed.result, explanation: typeof parsed.explanation === "string" ? parsed.explanation : "" };
    }
  } catch {
    // fall through
  }
  return { result: "failed", explanation: `the grader's reply was not a verdict: ${text.slice(0, 200)}` };
}

function lastAgentAnswer(host: BrainHost): string {
  const texts: string[] = [];
  for (const { event } of host.log.after(0)) {
    if (event.type === "span.outcome_evaluation_end" || event.type === "user.define_outcome") texts.length = 0;
    if (event.type === "agent.message") for (const b of event.content) if (b.type === "text") texts.push(b.text);
  }
  return texts.join("\n") || "(no answer)";
}

/** The session's `outcome_evaluations`, as retrieve renders them. */
export function outcomeEvaluations(s: SessionState): BetaManagedAgentsOutcomeEvaluationResource[] {
  return (s.outcomes ?? []).map((o) => ({
    type: "outcome_evaluation",
    outcome_id: o.id,
    description: o.description,
    iteration: o.iteration,
    result: o.status,
    explanation: o.explanation,
    completed_at: o.completedAt,
  }));
}
