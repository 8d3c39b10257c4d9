import type { BetaManagedAgentsWorkflowRunErrorObject, BetaManagedAgentsWorkflowRunResult } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { newId } from "../../src/lib/ids";
import type { ThreadAgent, ThreadTx } from "./threads";
import { liveThreads, MAX_LIVE_THREADS, rosterFrom } from "./threads";
import { ToolError } from "./tool-error";
import type { EventDraft, SessionAgent, SessionState } from "./types";
import { openPhases, threadsCreated, workingCalls, type WorkflowCall, type WorkflowRun, type WorkflowsState } from "./workflows/journal";
import { MAX_CONCURRENT_RUN_AGENTS, MAX_OPEN_WORKFLOW_RUNS, parsePlan, RefusedRun } from "./workflows/plan";
import { replay } from "./workflows/program-runner";
import { START_WORKFLOW_TOOL, STOP_WORKFLOW_TOOL, WORKFLOW_STATUS_TOOL } from "./workflows/tools";

export type { WorkflowRun, WorkflowsState } from "./workflows/journal";
export { WORKFLOW_TOOL_DEFINITIONS } from "./workflows/tools";
export { loadProgramEngine } from "./workflows/engine";

/**
 * Workflow runs (`multiagent_20261001.workflows`).
 *
 * The contract (SDK 1.15 `workflow_run.*` events and the multiagent config; platform docs "Workflow runs"):
 * - Only the session's agent starts a run, by writing a workflow: a program that runs other agents, collects
 *   what each returns and combines the results. The server runs it in the background while the agent keeps
 *   working or ends its turn. A run's agents work in session threads the server creates as the program needs
 *   them (`session.thread_created` and the thread carry `workflow_run_id`). No event the client sends ends a run;
 *   the agent can stop it (result `stopped`), and archiving the session ends it.
 * - Events: `created` (once, first; the phases the run declares, and those its program entered before its
 *   first wait, possibly none), `status_running` / `status_idle` (each time the run starts or resumes / goes
 *   idle, whatever the cause), `phase_started` / `phase_ended` (once per phase entered, the end naming its
 *   start, before the run's end), `error` (before an error end, same error; with a null run id when the error
 *   kept a run from being created), `status_ended` (once, last: `completed`, which says the program finished,
 *   not that the work succeeded; `stopped`; or `error`).
 * - Errors: `program_error` (the program failed, passed a limit, or was refused), `thread_limit_error` (the run
 *   called more agents than it may), `timeout_error` (its time limit), `max_workflow_runs_error` (no run created:
 *   the session's open runs are at their limit), `unknown_error` (anything else).
 *
 * What this server runs: the program is JavaScript (the body of an async function) run by QuickJS in WebAssembly
 * inside the session's Durable Object (workflows/engine.ts). It calls `await agent({name, task})` (or an inline
 * agent `{name, system, description, task}`), which returns the agent's final report; `await phase(name, fn)`
 * groups work into a phase; `Promise.all` fans out; loops, branches and the combining are ordinary JS; its return
 * value is the run's result, sent to the primary thread as a message. A list of phases (the earlier plan form)
 * becomes such a program (workflows/plan.ts). The program runs by replay (workflows/program-runner.ts): each step
 * re-runs it from the start against the run's journal of agent calls (workflows/journal.ts); a journaled call
 * resolves at once, a new one is journaled, gets a thread (up to the run's concurrency; later calls wait for a
 * slot) and stays pending. When the program's job queue drains it has returned (`completed`), thrown
 * (`program_error`), or waits for threads; when a thread reports, its report is journaled and the program replays.
 * The journal lives in `ThreadsState.workflows`, saved with the log in the same SQLite transaction, so a crash
 * resumes by replay and no finished agent runs again. Time and Math.random are fixed per run, so replays agree.
 * The time limit is a deadline in that state: the runner's alarm is armed for it and ends the run (thread-runner.ts).
 * Limits (workflows/plan.ts): 5 open runs (`max_workflow_runs_error`); a program of 100,000 characters that
 * compiles, 20 declared phases (`program_error`, the run refused); 100 agent calls per run (`thread_limit_error`),
 * 8 of them working at once and the session's 25 live threads (more wait for a slot; `thread_limit_error` if the
 * run has none and can get none); per replay 400 interpreter slices of CPU, 16 MiB of heap, 128 KiB of stack
 * (`program_error` naming the limit); 3600 s per run, or the input's lower `timeout_seconds` (`timeout_error`).
 * A run ends with `unknown_error` when one of its agents cannot finish (retries exhausted, budget spent), when the
 * client archives one of its threads before it reported, or when the session is archived. The agent checks on a
 * run with `get_workflow_run` and stops it with `stop_workflow_run` (its threads are cut off and terminate).
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

function startWorkflowRun(tx: ThreadTx, input: Record<string, unknown>): string {
  const workflows = workflowsOf(tx.t.state)!;
  try {
    const open = Object.values(workflows.runs).filter((r) => !r.ended).length;
    if (open >= MAX_OPEN_WORKFLOW_RUNS) {
      throw new RefusedRun({ type: "max_workflow_runs_error", message: `at most ${MAX_OPEN_WORKFLOW_RUNS} workflow runs may be open in a session; wait for one to end` });
    }
    const run = parsePlan(tx, workflows, input, Date.now());
    workflows.runs[run.id] = run;
    advance(tx, run, { first: true });
    return JSON.stringify({ workflow_run_id: run.id, phases: run.phases.map((p) => ({ id: p.id, name: p.name })), timeout_seconds: run.timeoutSeconds });
  } catch (err) {
    // A run that could not be created is still announced, with no run id, as the contract has it.
    if (err instanceof RefusedRun) emit(tx, { type: "workflow_run.error", workflow_run_id: null, error: err.error });
    throw err;
  }
}

/**
 * One step of the run: replays its program against the journal, then carries out what the replay did, in program
 * order: phases entered and left, new calls journaled, threads started for calls waiting on one (within the
 * limits); and ends the run if the program finished or can go no further.
 */
function advance(tx: ThreadTx, run: WorkflowRun, options: { first?: boolean; from?: string } = {}) {
  const workflows = workflowsOf(tx.t.state)!;
  const { trace, added, outcome } = replay(run, (spec) => resolveAgent(tx, workflows, spec));
  run.calls.push(...added);
  for (const item of trace) if (item.kind === "phase_start" && item.index >= run.entered.length) enterPhase(run, item.name);
  if (options.first) {
    const phases = run.phases.map((p) => ({ id: p.id, name: p.name, description: p.description }));
    emit(tx, { type: "workflow_run.created", workflow_run_id: run.id, name: run.name, description: run.description, phases });
    emit(tx, { type: "workflow_run.status_running", workflow_run_id: run.id });
  }
  if (outcome.type === "thread_limit") return end(tx, run, { type: "error", error: { type: "thread_limit_error", message: outcome.message } });
  for (const item of trace) {
    const phase = item.kind === "call" ? undefined : run.phases.find((p) => p.id === run.entered[item.index])!;
    if (item.kind === "phase_start" && !phase!.startedEventId) {
      phase!.startedEventId = emit(tx, { type: "workflow_run.phase_started", workflow_run_id: run.id, workflow_run_phase_id: phase!.id });
    } else if (item.kind === "phase_end") closePhase(tx, run, phase!);
    // A program that finished or failed needs no more agents.
    else if (item.kind === "call" && outcome.type === "waiting" && !run.calls[item.index].threadId && hasSlot(tx.t.state, run)) startCall(tx, run, run.calls[item.index]);
  }
  if (outcome.type === "failed") return end(tx, run, { type: "error", error: { type: "program_error", message: outcome.message } });
  if (outcome.type === "returned") return end(tx, run, { type: "completed" }, { from: options.from, text: outcome.value });
  if (workingCalls(run).length) return follow(tx, run);
  const queued = run.calls.some((c) => !c.threadId);
  const message = queued
    ? `at most ${MAX_LIVE_THREADS} threads may be open in a session at once; the run has agent calls waiting and no thread of its own working`
    : "the program waits on a promise that no agent call settles";
  end(tx, run, { type: "error", error: { type: queued ? "thread_limit_error" : "program_error", message } });
}

/** The program entered a phase it had not before: the first declared phase of that name not yet entered, or a new one. */
function enterPhase(run: WorkflowRun, name: string) {
  let phase = run.phases.find((p) => p.name === name && !run.entered.includes(p.id));
  if (!phase) {
    phase = { id: newId("wfph"), name, description: null };
    run.phases.push(phase);
  }
  run.entered.push(phase.id);
}

/** The agent an `agent()` spec names: `system` makes it inline, otherwise `name` names a predefined agent. */
function resolveAgent(tx: ThreadTx, workflows: WorkflowsState, spec: Record<string, unknown>): ThreadAgent {
  const inline = typeof spec.system === "string";
  return tx.pick(inline ? { name: spec.name, system: spec.system, description: spec.description } : spec.name, workflows.roster, workflows.inline);
}

/** Whether the run may start one more thread now: under its concurrency, and under the session's live threads. */
function hasSlot(s: SessionState, run: WorkflowRun): boolean {
  if (workingCalls(run).length >= MAX_CONCURRENT_RUN_AGENTS) return false;
  // A run's thread that reported holds no slot: it has nothing more to do.
  const runs = workflowsOf(s)!.runs;
  const holding = liveThreads(s).filter((r) => r.parentId && !(r.workflowRunId && runs[r.workflowRunId]?.calls.some((c) => c.threadId === r.id && c.report !== undefined)));
  return holding.length < MAX_LIVE_THREADS;
}

function startCall(tx: ThreadTx, run: WorkflowRun, call: WorkflowCall) {
  const primary = tx.t.state.threads!.primaryId;
  call.threadId = tx.spawn(primary, call.agent, run.id);
  tx.deliver(call.threadId, primary, [{ type: "text", text: call.task }]);
}

/** The run a stop or status call names: one of this session's (a tool error otherwise; no run event). */
function ownRun(tx: ThreadTx, input: Record<string, unknown>): WorkflowRun {
  const id = input.workflow_run_id;
  const run = typeof id === "string" ? workflowsOf(tx.t.state)!.runs[id] : undefined;
  if (!run) throw new ToolError(`workflow_run_id: no workflow run ${String(id)} in this session`);
  return run;
}

function runStatus(run: WorkflowRun) {
  const phase = (p: WorkflowRun["phases"][number]) => (p.closed ? "ended" : p.startedEventId ? "running" : "pending");
  return {
    workflow_run_id: run.id,
    name: run.name,
    status: run.ended ? "ended" : run.idle ? "idle" : "running",
    result: run.result ?? null,
    seconds_left: run.ended ? null : Math.max(0, Math.round((run.deadline - Date.now()) / 1000)),
    phases: run.phases.map((p) => ({ id: p.id, name: p.name, status: phase(p) })),
    agents: { called: run.calls.length, working: workingCalls(run).length, reported: run.calls.filter((c) => c.report !== undefined).length, threads: threadsCreated(run) },
  };
}

/** A run's thread finished its turn (`failed`: it stopped before finishing): its report is journaled and the program replays. */
export function workflowThreadReported(tx: ThreadTx, threadId: string, report: string, failed: string | null) {
  const found = callOf(tx.t.state, threadId);
  // A follow-up turn of a thread whose call is over (or of an ended run) changes nothing.
  if (!found) return;
  const { run, call } = found;
  if (failed) return end(tx, run, { type: "error", error: { type: "unknown_error", message: `an agent of the run (${call.agent.name}) stopped before finishing: ${failed}` } });
  call.report = report;
  call.waiting = false;
  advance(tx, run, { from: threadId });
}

/** A run's thread moved: the run idles while every working call's thread waits unfinished, and runs again when one runs. */
export function workflowThreadStatus(tx: ThreadTx, threadId: string, moved: { ran: boolean; idle: boolean; terminated: boolean }) {
  const found = callOf(tx.t.state, threadId);
  if (!found) return;
  const { run, call } = found;
  // Archived by the client before it reported: the program can never get its result.
  if (moved.terminated) return end(tx, run, { type: "error", error: { type: "unknown_error", message: `a thread of the run (${call.agent.name}) ended before it reported` } });
  if (moved.ran) call.waiting = false;
  if (moved.idle) call.waiting = true;
  follow(tx, run);
}

function follow(tx: ThreadTx, run: WorkflowRun) {
  const working = workingCalls(run);
  const idle = working.length > 0 && working.every((call) => call.waiting);
  if (idle === Boolean(run.idle)) return;
  run.idle = idle;
  emit(tx, { type: idle ? "workflow_run.status_idle" : "workflow_run.status_running", workflow_run_id: run.id });
}

/** The open run and working call that thread `threadId` serves. */
function callOf(s: SessionState, threadId: string): { run: WorkflowRun; call: WorkflowCall } | undefined {
  const run = workflowsOf(s)?.runs[s.threads!.byId[threadId].workflowRunId!];
  const call = run && !run.ended ? run.calls.find((c) => c.threadId === threadId && c.report === undefined) : undefined;
  return call ? { run: run!, call } : undefined;
}

function closePhase(tx: ThreadTx, run: WorkflowRun, phase: WorkflowRun["phases"][number]) {
  if (!phase.startedEventId || phase.closed) return;
  phase.closed = true;
  emit(tx, { type: "workflow_run.phase_ended", workflow_run_id: run.id, workflow_run_phase_id: phase.id, phase_started_id: phase.startedEventId });
}

/**
 * Ends the run: the threads still working on it stop, its open phases close, then its error (if any) and its end.
 * The outcome (with the program's result) goes to the primary thread, which started it, unless the agent stopped
 * it itself (or the session is being archived: `quiet`, nothing may start a turn).
 */
function end(tx: ThreadTx, run: WorkflowRun, result: BetaManagedAgentsWorkflowRunResult, last?: { from?: string; text: string }, quiet = false) {
  const working = workingCalls(run);
  run.ended = true;
  run.result = result.type;
  for (const call of working) tx.terminate(call.threadId!, "The workflow run ended before this tool call completed.");
  for (const phase of openPhases(run)) closePhase(tx, run, phase);
  if (result.type === "error") emit(tx, { type: "workflow_run.error", workflow_run_id: run.id, error: result.error });
  emit(tx, { type: "workflow_run.status_ended", workflow_run_id: run.id, result });
  if (result.type === "stopped" || quiet) return;
  const primary = tx.t.state.threads!.primaryId;
  const outcome = result.type === "error" ? `ended with ${result.error.type}: ${result.error.message}` : result.type;
  const text = `Workflow run ${run.id} (${run.name}) ${outcome}.` + (last?.text ? `\n\n${last.text}` : "");
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
