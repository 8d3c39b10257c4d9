import type { BetaManagedAgentsWorkflowRunErrorObject, BetaManagedAgentsWorkflowRunResult } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import type { ThreadTx } from "./threads";
import { liveThreads, MAX_LIVE_THREADS, rosterFrom } from "./threads";
import { ToolError } from "./tool-error";
import type { EventDraft, SessionAgent, SessionState } from "./types";
import { MAX_OPEN_WORKFLOW_RUNS, MAX_WORKFLOW_RUN_THREADS, parsePlan, RefusedRun, type WorkflowRun, type WorkflowsState, type WorkflowStep } from "./workflows/plan";
import { START_WORKFLOW_TOOL, STOP_WORKFLOW_TOOL, WORKFLOW_STATUS_TOOL } from "./workflows/tools";

export type { WorkflowRun, WorkflowsState } from "./workflows/plan";
export { WORKFLOW_TOOL_DEFINITIONS } from "./workflows/tools";

/**
 * Workflow runs (`multiagent_20261001.workflows`).
 *
 * The contract (SDK 1.15 `workflow_run.*` events and the multiagent config; platform docs "Workflow runs"):
 * - Only the session's agent starts a run, by writing a plan; the server carries it out in the background while
 *   the agent keeps working or ends its turn. A run's agents work in session threads the server creates as the
 *   plan needs them (`session.thread_created` and the thread carry `workflow_run_id`). No event the client sends
 *   ends a run; the agent can stop it (result `stopped`), and archiving the session ends it.
 * - Events: `created` (once, first; the plan's phases, possibly none), `status_running` / `status_idle` (each time
 *   the run starts or resumes / goes idle, whatever the cause), `phase_started` / `phase_ended` (once per phase
 *   entered, the end naming its start, before the run's end), `error` (before an error end, same error; with a
 *   null run id when the error kept a run from being created), `status_ended` (once, last: `completed`, which
 *   says the plan finished, not that the work succeeded; `stopped`; or `error`).
 * - Errors: `program_error` (the plan failed or was refused), `thread_limit_error` (the run passed the threads a
 *   run may create), `timeout_error` (its time limit), `max_workflow_runs_error` (no run created: the session's
 *   open runs are at their limit), `unknown_error` (anything else).
 *
 * What this server runs: a plan is a list of phases carried out in order (the hosted API's plans are programs
 * that can branch and loop; not supported). A phase is one agent with a task, or several agents at once, each on a
 * task of its own (fan-out); it ends when all of them have reported, and the next phase's agents get the reports.
 * The last phase's reports go back to the primary thread as a message. Each agent works in an ordinary child
 * thread (threads.ts), so a run gets the threads' durability for free: its state lives in `ThreadsState.workflows`,
 * saved with the log in the same SQLite transaction, and a crash mid-run resumes its threads from the log. The
 * time limit is a deadline in that state: the runner's alarm is armed for it and ends the run (thread-runner.ts).
 * Limits (workflows/plan.ts): 5 open runs (`max_workflow_runs_error`); 20 phases and 8 agents per phase
 * (`program_error`, the plan refused); 12 threads per run and the session's 25 live threads (`thread_limit_error`,
 * at the phase that would pass them); 3600 s per run, or the plan's lower `timeout_seconds` (`timeout_error`). A run
 * ends with `unknown_error` when one of its agents cannot finish (retries exhausted, budget spent), when the client
 * archives one of its threads before it reported, or when the session is archived. The agent checks on a run with
 * `get_workflow_run` and stops it with `stop_workflow_run` (its threads are cut off and terminate).
 */

/** What the session's agent may do with workflows, or undefined when they are disabled (or unusable: no agent to run). */
export function initialWorkflows(agent: SessionAgent): WorkflowsState | undefined {
  const multiagent = agent.multiagent;
  if (multiagent?.type !== "multiagent_20261001" || multiagent.workflows.type !== "enabled") return undefined;
  const roster = rosterFrom(multiagent.workflows.predefined_agents);
  const inline = multiagent.workflows.inline_agents.type === "enabled";
  return roster.length || inline ? { roster, inline, runs: {} } : undefined;
}

/** The workflow tools, run by the brain in the transition of the call: each returns the tool's result text. */
export const WORKFLOW_TOOLS: Record<string, (tx: ThreadTx, input: Record<string, unknown>) => string> = {
  [START_WORKFLOW_TOOL]: startWorkflowRun,
  [STOP_WORKFLOW_TOOL]: (tx, input) => {
    const run = ownRun(tx, input);
    if (run.ended) throw new ToolError(`workflow run ${run.id} has already ended (${run.result})`);
    end(tx, run, { type: "stopped" });
    return JSON.stringify({ workflow_run_id: run.id, result: { type: "stopped" } });
  },
  [WORKFLOW_STATUS_TOOL]: (tx, input) => JSON.stringify(runStatus(ownRun(tx, input))),
};

type RunEvent = EventDraft & { type: `workflow_run.${string}` };
/** Workflow events belong to the session (primary) stream. */
const emit = (tx: ThreadTx, draft: RunEvent) => tx.t.emit(draft);
const workflowsOf = (s: SessionState) => s.threads?.workflows;
const openSteps = (run: WorkflowRun) => (run.ended ? [] : run.phases[run.current].steps.filter((step) => step.threadId && step.report === undefined));

function startWorkflowRun(tx: ThreadTx, input: Record<string, unknown>): string {
  const workflows = workflowsOf(tx.t.state)!;
  try {
    const open = Object.values(workflows.runs).filter((r) => !r.ended).length;
    if (open >= MAX_OPEN_WORKFLOW_RUNS) {
      throw new RefusedRun({ type: "max_workflow_runs_error", message: `at most ${MAX_OPEN_WORKFLOW_RUNS} workflow runs may be open in a session; wait for one to end` });
    }
    const run = parsePlan(tx, workflows, input, Date.now());
    workflows.runs[run.id] = run;
    const phases = run.phases.map((p) => ({ id: p.id, name: p.name, description: p.description }));
    emit(tx, { type: "workflow_run.created", workflow_run_id: run.id, name: run.name, description: run.description, phases });
    emit(tx, { type: "workflow_run.status_running", workflow_run_id: run.id });
    startPhase(tx, run, []);
    return JSON.stringify({ workflow_run_id: run.id, phases: phases.map((p) => ({ id: p.id, name: p.name })), timeout_seconds: run.timeoutSeconds });
  } catch (err) {
    // A run that could not be created is still announced, with no run id, as the contract has it.
    if (err instanceof RefusedRun) emit(tx, { type: "workflow_run.error", workflow_run_id: null, error: err.error });
    throw err;
  }
}

/** The run a stop or status call names: one of this session's (a tool error otherwise; no run event). */
function ownRun(tx: ThreadTx, input: Record<string, unknown>): WorkflowRun {
  const id = input.workflow_run_id;
  const run = typeof id === "string" ? workflowsOf(tx.t.state)!.runs[id] : undefined;
  if (!run) throw new ToolError(`workflow_run_id: no workflow run ${String(id)} in this session`);
  return run;
}

function runStatus(run: WorkflowRun) {
  const phase = (i: number) => (i < run.current || run.phases[i].closed ? "ended" : i === run.current && run.phases[i].startedEventId ? "running" : "pending");
  return {
    workflow_run_id: run.id,
    name: run.name,
    status: run.ended ? "ended" : run.idle ? "idle" : "running",
    result: run.result ?? null,
    seconds_left: run.ended ? null : Math.max(0, Math.round((run.deadline - Date.now()) / 1000)),
    phases: run.phases.map((p, i) => ({ id: p.id, name: p.name, status: phase(i), agents: p.steps.length, reported: p.steps.filter((s) => s.report !== undefined).length })),
  };
}

/** Enters phase `run.current`: announces it and hands each step's task (and the previous phase's reports) to a new thread. */
function startPhase(tx: ThreadTx, run: WorkflowRun, previous: WorkflowStep[]) {
  const s = tx.t.state;
  const phase = run.phases[run.current];
  const live = liveThreads(s).filter((r) => r.parentId).length;
  const limit = (message: string) => end(tx, run, { type: "error", error: { type: "thread_limit_error", message } });
  if (run.threadsCreated + phase.steps.length > MAX_WORKFLOW_RUN_THREADS) {
    return limit(`a workflow run may create at most ${MAX_WORKFLOW_RUN_THREADS} threads; phase ${phase.id} needs ${phase.steps.length} more after ${run.threadsCreated}`);
  }
  if (live + phase.steps.length > MAX_LIVE_THREADS) {
    return limit(`at most ${MAX_LIVE_THREADS} threads may be open in a session at once; phase ${phase.id} needs ${phase.steps.length} with ${live} open`);
  }
  phase.startedEventId = emit(tx, { type: "workflow_run.phase_started", workflow_run_id: run.id, workflow_run_phase_id: phase.id });
  const primary = s.threads!.primaryId;
  const handover = reportsText(`the previous phase (${run.phases[run.current - 1]?.name})`, previous);
  for (const step of phase.steps) {
    step.threadId = tx.spawn(primary, step.agent, run.id);
    run.threadsCreated++;
    tx.deliver(step.threadId, primary, [{ type: "text", text: previous.length ? `${step.task}\n\n${handover}` : step.task }]);
  }
}

/** "Report of X:\n..." for one step; numbered, with each agent's name, for several. */
function reportsText(of: string, steps: WorkflowStep[]): string {
  if (steps.length === 1) return `Report of ${of}:\n${steps[0].report}`;
  return `Reports of ${of}, one per agent:\n\n` + steps.map((step, i) => `[${i + 1}] ${step.agent.name}:\n${step.report}`).join("\n\n");
}

/** A run's thread finished its turn (`failed`: it stopped before finishing): its step is done; the phase ends with its last step. */
export function workflowThreadReported(tx: ThreadTx, threadId: string, report: string, failed: string | null) {
  const found = stepOf(tx.t.state, threadId);
  // A follow-up turn of a thread whose step is over (or of an ended run) changes nothing.
  if (!found || found.step.report !== undefined) return;
  const { run, step } = found;
  step.report = report;
  step.waiting = false;
  const phase = run.phases[run.current];
  if (failed) return end(tx, run, { type: "error", error: { type: "unknown_error", message: `an agent of phase ${phase.id} stopped before finishing: ${failed}` } });
  if (phase.steps.some((other) => other.report === undefined)) return follow(tx, run);
  closePhase(tx, run);
  if (run.current + 1 < run.phases.length) {
    run.current++;
    return startPhase(tx, run, phase.steps);
  }
  end(tx, run, { type: "completed" }, { from: threadId, text: reportsText("its last phase", phase.steps) });
}

/** A run's thread moved: the run idles while every open step's thread waits unfinished, and runs again when one runs. */
export function workflowThreadStatus(tx: ThreadTx, threadId: string, moved: { ran: boolean; idle: boolean; terminated: boolean }) {
  const found = stepOf(tx.t.state, threadId);
  if (!found || found.step.report !== undefined) return;
  const { run, step } = found;
  if (moved.terminated) {
    // Archived by the client before it reported: the phase can never end.
    return end(tx, run, { type: "error", error: { type: "unknown_error", message: `a thread of phase ${run.phases[run.current].id} ended before it reported` } });
  }
  if (moved.ran) step.waiting = false;
  if (moved.idle) step.waiting = true;
  follow(tx, run);
}

function follow(tx: ThreadTx, run: WorkflowRun) {
  const open = openSteps(run);
  const idle = open.length > 0 && open.every((step) => step.waiting);
  if (idle === Boolean(run.idle)) return;
  run.idle = idle;
  emit(tx, { type: idle ? "workflow_run.status_idle" : "workflow_run.status_running", workflow_run_id: run.id });
}

/** The open run and step of the current phase that thread `threadId` works on. */
function stepOf(s: SessionState, threadId: string): { run: WorkflowRun; step: WorkflowStep } | undefined {
  const run = workflowsOf(s)?.runs[s.threads!.byId[threadId].workflowRunId!];
  const step = run && !run.ended ? run.phases[run.current].steps.find((st) => st.threadId === threadId) : undefined;
  return step ? { run: run!, step } : undefined;
}

function closePhase(tx: ThreadTx, run: WorkflowRun) {
  const phase = run.phases[run.current];
  if (!phase.startedEventId || phase.closed) return;
  phase.closed = true;
  emit(tx, { type: "workflow_run.phase_ended", workflow_run_id: run.id, workflow_run_phase_id: phase.id, phase_started_id: phase.startedEventId });
}

/**
 * Ends the run: the threads still working on it stop, its phase closes, then its error (if any) and its end. The
 * outcome goes to the primary thread, which started it, unless the agent stopped it itself (or the session is
 * being archived: `quiet`, nothing may start a turn).
 */
function end(tx: ThreadTx, run: WorkflowRun, result: BetaManagedAgentsWorkflowRunResult, last?: { from: string; text: string }, quiet = false) {
  const working = openSteps(run);
  run.ended = true;
  run.result = result.type;
  for (const step of working) tx.terminate(step.threadId!, "The workflow run ended before this tool call completed.");
  closePhase(tx, run);
  if (result.type === "error") emit(tx, { type: "workflow_run.error", workflow_run_id: run.id, error: result.error });
  emit(tx, { type: "workflow_run.status_ended", workflow_run_id: run.id, result });
  if (result.type === "stopped" || quiet) return;
  const primary = tx.t.state.threads!.primaryId;
  const outcome = result.type === "error" ? `ended with ${result.error.type}: ${result.error.message}` : result.type;
  const text = `Workflow run ${run.id} (${run.name}) ${outcome}.` + (last ? `\n\n${last.text}` : "");
  // From the last reporting thread when there was one, so the primary reads it as that agent's report.
  tx.deliver(primary, last?.from ?? primary, [{ type: "text", text }]);
}

/** Epoch ms of the earliest time limit of the session's open runs, or null. */
export function nextWorkflowDeadline(s: SessionState): number | null {
  const open = Object.values(workflowsOf(s)?.runs ?? {}).filter((r) => !r.ended);
  return open.length ? Math.min(...open.map((r) => r.deadline)) : null;
}

/** Ends every open run whose time limit has passed (`timeout_error`). */
export function expireWorkflowRuns(tx: ThreadTx, now: number) {
  for (const run of Object.values(workflowsOf(tx.t.state)?.runs ?? {})) {
    if (run.ended || run.deadline > now) continue;
    const error: BetaManagedAgentsWorkflowRunErrorObject = { type: "timeout_error", message: `the run reached its time limit of ${run.timeoutSeconds} seconds` };
    end(tx, run, { type: "error", error });
  }
}

/** The session is being archived: its open runs end with it, and their threads stop. */
export function endWorkflowRunsOnArchive(tx: ThreadTx) {
  for (const run of Object.values(workflowsOf(tx.t.state)?.runs ?? {})) {
    if (!run.ended) end(tx, run, { type: "error", error: { type: "unknown_error", message: "the session was archived" } }, undefined, true);
  }
}
