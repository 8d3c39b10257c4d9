import type Anthropic from "@anthropic-ai/sdk";
import type { BetaManagedAgentsWorkflowRunErrorObject, BetaManagedAgentsWorkflowRunResult } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { newId } from "../../src/lib/ids";
import type { RosterEntry, ThreadAgent, ThreadTx } from "./threads";
import { liveThreads, MAX_LIVE_THREADS, rosterFrom } from "./threads";
import { ToolError } from "./tool-error";
import type { EventDraft, SessionAgent } from "./types";

/**
 * Workflow runs (`multiagent_20261001.workflows`): background work the primary thread's agent starts by writing a
 * plan, which the server then carries out while the agent keeps working or ends its turn. A run's agents work in
 * ordinary child threads (threads.ts), tagged with the run, so a run gets the threads' durability for free: its
 * state lives in `ThreadsState.workflows`, saved with the log in the same SQLite transaction, and a crash mid-run
 * resumes the phase's thread from the log like any other thread's turn.
 *
 * The plan this server runs is a sequence of phases, each carried out by one agent thread: a phase's agent gets
 * the phase's task and the previous phase's report; the last phase's report goes back to the primary thread as a
 * message from that thread. (The hosted API's plans are programs that can fan a phase out to many agents; see the
 * README's threads row for what is not supported yet.)
 */

export const WORKFLOW_TOOL = "start_workflow_run";
/** Runs of one session that have not ended; one more is refused with `max_workflow_runs_error`. */
export const MAX_OPEN_WORKFLOW_RUNS = 5;
/** Phases in one plan, so threads one run can create (each phase runs one thread). */
export const MAX_WORKFLOW_PHASES = 20;

export interface WorkflowPhase {
  id: string;
  name: string;
  description: string | null;
  agent: ThreadAgent;
  task: string;
  /** The `workflow_run.phase_started` event, once the phase has started. */
  startedEventId?: string;
  threadId?: string;
}

export interface WorkflowRun {
  id: string;
  name: string;
  description: string | null;
  phases: WorkflowPhase[];
  /** Index of the phase under way. */
  current: number;
  /** Its phase's thread waits without having finished (`workflow_run.status_idle` was the last status). */
  idle?: boolean;
  ended: boolean;
}

export interface WorkflowsState {
  /** Predefined agents a plan may use, by name (separate from the subagents roster). */
  roster: RosterEntry[];
  /** Whether a plan may define agents inline. */
  inline: boolean;
  runs: Record<string, WorkflowRun>;
}

/** What the session's agent may do with workflows, or undefined when they are disabled (or unusable: no agent to run). */
export function initialWorkflows(agent: SessionAgent): WorkflowsState | undefined {
  const multiagent = agent.multiagent;
  if (multiagent?.type !== "multiagent_20261001" || multiagent.workflows.type !== "enabled") return undefined;
  const roster = rosterFrom(multiagent.workflows.predefined_agents);
  const inline = multiagent.workflows.inline_agents.type === "enabled";
  return roster.length || inline ? { roster, inline, runs: {} } : undefined;
}

type RunEvent = EventDraft & { type: `workflow_run.${string}` };

class RefusedRun extends ToolError {
  constructor(readonly error: BetaManagedAgentsWorkflowRunErrorObject) {
    super(error.message);
  }
}

/** The `start_workflow_run` tool: validates the plan, creates the run and starts its first phase. Returns the tool's result text. */
export function startWorkflowRun(tx: ThreadTx, input: Record<string, unknown>): string {
  const s = tx.t.state;
  const workflows = s.threads!.workflows!;
  try {
    const open = Object.values(workflows.runs).filter((r) => !r.ended).length;
    if (open >= MAX_OPEN_WORKFLOW_RUNS) {
      throw new RefusedRun({ type: "max_workflow_runs_error", message: `at most ${MAX_OPEN_WORKFLOW_RUNS} workflow runs may be open in a session; wait for one to end` });
    }
    const run = parsePlan(tx, workflows, input);
    workflows.runs[run.id] = run;
    const phases = run.phases.map((p) => ({ id: p.id, name: p.name, description: p.description }));
    emit(tx, { type: "workflow_run.created", workflow_run_id: run.id, name: run.name, description: run.description, phases });
    emit(tx, { type: "workflow_run.status_running", workflow_run_id: run.id });
    startPhase(tx, run, null);
    return JSON.stringify({ workflow_run_id: run.id, phases: phases.map((p) => ({ id: p.id, name: p.name })) });
  } catch (err) {
    // A run that could not be created is still announced, with no run id, as the contract has it.
    if (err instanceof RefusedRun) emit(tx, { type: "workflow_run.error", workflow_run_id: null, error: err.error });
    throw err;
  }
}

function parsePlan(tx: ThreadTx, workflows: WorkflowsState, input: Record<string, unknown>): WorkflowRun {
  const refuse = (message: string) => new RefusedRun({ type: "program_error", message });
  const phases = input.phases;
  if (!Array.isArray(phases) || phases.length === 0) throw refuse("phases: a non-empty array of {name, agent, task} is required");
  if (phases.length > MAX_WORKFLOW_PHASES) throw refuse(`phases: at most ${MAX_WORKFLOW_PHASES} phases per plan`);
  const parsed = phases.map((raw, i): WorkflowPhase => {
    const phase = (raw ?? {}) as Record<string, unknown>;
    if (typeof phase.name !== "string" || !phase.name.trim()) throw refuse(`phases[${i}].name: a non-empty string is required`);
    if (typeof phase.task !== "string" || !phase.task.trim()) throw refuse(`phases[${i}].task: a non-empty string is required`);
    let agent: ThreadAgent;
    try {
      agent = tx.pick(phase.agent, workflows.roster, workflows.inline);
    } catch (err) {
      if (err instanceof ToolError) throw refuse(`phases[${i}].${err.message}`);
      throw err;
    }
    return { id: newId("wfph"), name: phase.name, description: optionalText(phase.description), agent, task: phase.task };
  });
  const name = typeof input.name === "string" && input.name.trim() ? input.name : `workflow ${Object.keys(workflows.runs).length + 1}`;
  return { id: newId("wfrun"), name, description: optionalText(input.description), phases: parsed, current: 0, ended: false };
}

const optionalText = (v: unknown) => (typeof v === "string" && v ? v : null);

/** Enters phase `run.current`: announces it and hands its task (and the previous phase's report) to a new thread. */
function startPhase(tx: ThreadTx, run: WorkflowRun, previous: { name: string; report: string } | null) {
  const s = tx.t.state;
  const phase = run.phases[run.current];
  const live = liveThreads(s).filter((r) => r.parentId).length;
  if (live >= MAX_LIVE_THREADS) {
    return end(tx, run, { type: "error", error: { type: "thread_limit_error", message: `at most ${MAX_LIVE_THREADS} threads may be open in a session at once` } });
  }
  phase.startedEventId = emit(tx, { type: "workflow_run.phase_started", workflow_run_id: run.id, workflow_run_phase_id: phase.id });
  const primary = s.threads!.primaryId;
  phase.threadId = tx.spawn(primary, phase.agent, run.id);
  const text = previous ? `${phase.task}\n\nReport of the previous phase (${previous.name}):\n${previous.report}` : phase.task;
  tx.deliver(phase.threadId, primary, [{ type: "text", text }]);
}

/** A run's thread finished its turn (`failed`: it stopped before finishing): the run moves to its next phase, or ends. */
export function workflowThreadReported(tx: ThreadTx, threadId: string, report: string, failed: string | null) {
  const s = tx.t.state;
  const runId = s.threads!.byId[threadId].workflowRunId!;
  const run = s.threads!.workflows?.runs[runId];
  const phase = run?.phases[run.current];
  // A follow-up turn of a thread whose phase is over (or of an ended run) changes nothing.
  if (!run || run.ended || phase?.threadId !== threadId) return;
  closePhase(tx, run);
  if (failed) return end(tx, run, { type: "error", error: { type: "unknown_error", message: `phase ${phase.id} stopped before finishing: ${failed}` } }, threadId, report);
  if (run.current + 1 < run.phases.length) {
    run.current++;
    return startPhase(tx, run, { name: phase.name, report });
  }
  end(tx, run, { type: "completed" }, threadId, report);
}

/** The run of thread `threadId` follows its phase's thread: idle while it waits unfinished, running when it runs again. */
export function workflowThreadStatus(tx: ThreadTx, threadId: string, moved: { ran: boolean; idle: boolean }) {
  const s = tx.t.state;
  const run = s.threads!.workflows?.runs[s.threads!.byId[threadId].workflowRunId!];
  if (!run || run.ended || run.phases[run.current].threadId !== threadId) return;
  if (moved.ran && run.idle) {
    run.idle = false;
    emit(tx, { type: "workflow_run.status_running", workflow_run_id: run.id });
  }
  if (moved.idle && !run.idle) {
    run.idle = true;
    emit(tx, { type: "workflow_run.status_idle", workflow_run_id: run.id });
  }
}

function closePhase(tx: ThreadTx, run: WorkflowRun) {
  const phase = run.phases[run.current];
  if (!phase.startedEventId) return;
  emit(tx, { type: "workflow_run.phase_ended", workflow_run_id: run.id, workflow_run_phase_id: phase.id, phase_started_id: phase.startedEventId });
}

/** Ends the run: its error (if any), its end, and its outcome to the primary thread, which started it. */
function end(tx: ThreadTx, run: WorkflowRun, result: BetaManagedAgentsWorkflowRunResult, from?: string, report?: string) {
  run.ended = true;
  if (result.type === "error") emit(tx, { type: "workflow_run.error", workflow_run_id: run.id, error: result.error });
  emit(tx, { type: "workflow_run.status_ended", workflow_run_id: run.id, result });
  const primary = tx.t.state.threads!.primaryId;
  const outcome = result.type === "error" ? `ended with ${result.error.type}: ${result.error.message}` : result.type;
  const text = `Workflow run ${run.id} (${run.name}) ${outcome}.` + (report ? `\n\nReport of its last phase:\n${report}` : "");
  // From the last phase's thread when there was one, so the primary reads it as that agent's report.
  tx.deliver(primary, from ?? primary, [{ type: "text", text }]);
}

/** Workflow events belong to the session (primary) stream. */
const emit = (tx: ThreadTx, draft: RunEvent) => tx.t.emit(draft);

/** What the primary thread's model is offered to start a run. */
export const WORKFLOW_TOOL_DEFINITION: Anthropic.Tool = {
  name: WORKFLOW_TOOL,
  description:
    "Start a workflow run: background work that carries out a plan of phases in order, each phase by one agent in a thread " +
    "of its own. A phase's agent gets its task and the previous phase's report. Returns at once with the run's " +
    "workflow_run_id; the last phase's report arrives later as a message. Agents see nothing of your conversation but " +
    "their task, so include every path, constraint and the report format each needs.",
  input_schema: {
    type: "object",
    properties: {
      name: { type: "string", description: "A short name for the run." },
      description: { type: "string" },
      phases: {
        type: "array",
        description: `The plan, in order (at most ${MAX_WORKFLOW_PHASES} phases).`,
        items: {
          type: "object",
          properties: {
            name: { type: "string" },
            description: { type: "string" },
            agent: {
              description: "A predefined agent's name or, where allowed, an inline agent {name, system, description}.",
              anyOf: [
                { type: "string" },
                { type: "object", properties: { name: { type: "string" }, system: { type: "string" }, description: { type: "string" } }, required: ["name"] },
              ],
            },
            task: { type: "string" },
          },
          required: ["name", "agent", "task"],
        },
      },
    },
    required: ["phases"],
  },
};

