import type { BetaManagedAgentsWorkflowRunErrorObject } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { newId } from "../../../src/lib/ids";
import type { RosterEntry, ThreadAgent, ThreadTx } from "../threads";
import { ToolError } from "../tool-error";

/** Runs of one session that have not ended; one more is refused (`max_workflow_runs_error`). */
export const MAX_OPEN_WORKFLOW_RUNS = 5;
/** Phases in one plan. More is refused (`program_error`). */
export const MAX_WORKFLOW_PHASES = 20;
/** Agents working in parallel in one phase. More is refused (`program_error`). */
export const MAX_PHASE_AGENTS = 8;
/** Threads one run may create over all its phases; the phase that would pass it ends the run (`thread_limit_error`). */
export const MAX_WORKFLOW_RUN_THREADS = 12;
/** A run's time limit, and the default; a plan may ask for less (`timeout_seconds`). Reaching it ends the run (`timeout_error`). */
export const MAX_WORKFLOW_RUN_SECONDS = 3600;

/** One agent's part of a phase: a thread of its own, once the phase starts. */
export interface WorkflowStep {
  agent: ThreadAgent;
  task: string;
  threadId?: string;
  /** Its agent's final text, once its thread finished its turn. */
  report?: string;
  /** Its thread waits without having finished (on the client, or interrupted). */
  waiting?: boolean;
}

export interface WorkflowPhase {
  id: string;
  name: string;
  description: string | null;
  /** One step, or several that run in parallel. */
  steps: WorkflowStep[];
  /** The `workflow_run.phase_started` event, once the phase has started. */
  startedEventId?: string;
  /** Its `workflow_run.phase_ended` was emitted. */
  closed?: boolean;
}

export interface WorkflowRun {
  id: string;
  name: string;
  description: string | null;
  phases: WorkflowPhase[];
  /** Index of the phase under way. */
  current: number;
  /** Every open step's thread waits (`workflow_run.status_idle` was the last status). */
  idle?: boolean;
  ended: boolean;
  /** How it ended (`workflow_run.status_ended`'s result type), once it has. */
  result?: "completed" | "stopped" | "error";
  /** Epoch ms of its time limit. */
  deadline: number;
  timeoutSeconds: number;
  /** Threads it created so far. */
  threadsCreated: number;
}

export interface WorkflowsState {
  /** Predefined agents a plan may use, by name (separate from the subagents roster). */
  roster: RosterEntry[];
  /** Whether a plan may define agents inline. */
  inline: boolean;
  runs: Record<string, WorkflowRun>;
}

/** A run the server would not create, or an error a tool call about a run reports. */
export class RefusedRun extends ToolError {
  constructor(readonly error: BetaManagedAgentsWorkflowRunErrorObject) {
    super(error.message);
  }
}

const refuse = (message: string) => new RefusedRun({ type: "program_error", message });

/** The `start_workflow_run` input as a run, or a `program_error` naming the first thing wrong with it. */
export function parsePlan(tx: ThreadTx, workflows: WorkflowsState, input: Record<string, unknown>, now: number): WorkflowRun {
  const phases = input.phases;
  if (!Array.isArray(phases) || phases.length === 0) throw refuse("phases: a non-empty array of {name, agent, task} or {name, agents} is required");
  if (phases.length > MAX_WORKFLOW_PHASES) throw refuse(`phases: at most ${MAX_WORKFLOW_PHASES} phases per plan`);
  const parsed = phases.map((raw, i): WorkflowPhase => {
    const phase = (raw ?? {}) as Record<string, unknown>;
    const at = `phases[${i}]`;
    if (typeof phase.name !== "string" || !phase.name.trim()) throw refuse(`${at}.name: a non-empty string is required`);
    let steps: WorkflowStep[];
    if (phase.agents !== undefined) {
      if (phase.agent !== undefined || phase.task !== undefined) throw refuse(`${at}: give either agent and task, or agents`);
      if (!Array.isArray(phase.agents) || phase.agents.length === 0) throw refuse(`${at}.agents: a non-empty array of {agent, task} is required`);
      if (phase.agents.length > MAX_PHASE_AGENTS) throw refuse(`${at}.agents: at most ${MAX_PHASE_AGENTS} agents per phase`);
      steps = phase.agents.map((step, j) => parseStep(tx, workflows, (step ?? {}) as Record<string, unknown>, `${at}.agents[${j}]`));
    } else steps = [parseStep(tx, workflows, phase, at)];
    return { id: newId("wfph"), name: phase.name, description: optionalText(phase.description), steps };
  });
  const requested = input.timeout_seconds;
  if (requested !== undefined && (typeof requested !== "number" || !Number.isInteger(requested) || requested < 1 || requested > MAX_WORKFLOW_RUN_SECONDS)) {
    throw refuse(`timeout_seconds: an integer from 1 to ${MAX_WORKFLOW_RUN_SECONDS} is required`);
  }
  const timeoutSeconds = (requested as number | undefined) ?? MAX_WORKFLOW_RUN_SECONDS;
  const name = typeof input.name === "string" && input.name.trim() ? input.name : `workflow ${Object.keys(workflows.runs).length + 1}`;
  return {
    id: newId("wfrun"),
    name,
    description: optionalText(input.description),
    phases: parsed,
    current: 0,
    ended: false,
    deadline: now + timeoutSeconds * 1000,
    timeoutSeconds,
    threadsCreated: 0,
  };
}

function parseStep(tx: ThreadTx, workflows: WorkflowsState, step: Record<string, unknown>, at: string): WorkflowStep {
  if (typeof step.task !== "string" || !step.task.trim()) throw refuse(`${at}.task: a non-empty string is required`);
  try {
    return { agent: tx.pick(step.agent, workflows.roster, workflows.inline), task: step.task };
  } catch (err) {
    if (err instanceof ToolError) throw refuse(`${at}.${err.message}`);
    throw err;
  }
}

const optionalText = (v: unknown) => (typeof v === "string" && v ? v : null);
