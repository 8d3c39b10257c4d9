import type { BetaManagedAgentsWorkflowRunErrorObject } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { newId } from "../../../src/lib/ids";
import type { ThreadTx } from "../threads";
import { ToolError } from "../tool-error";
import type { WorkflowPhase, WorkflowRun, WorkflowsState } from "./journal";
import { syntaxError } from "./program-runner";

/** Runs of one session that have not ended; one more is refused (`max_workflow_runs_error`). */
export const MAX_OPEN_WORKFLOW_RUNS = 5;
/** Agent calls (each a thread) one run may make; the call past it ends the run (`thread_limit_error`). */
export const MAX_WORKFLOW_RUN_AGENTS = 100;
/** A run's agents working at once; its further calls wait for one to report. */
export const MAX_CONCURRENT_RUN_AGENTS = 8;
/** A run's time limit, and the default; the input may ask for less (`timeout_seconds`). Reaching it ends the run (`timeout_error`). */
export const MAX_WORKFLOW_RUN_SECONDS = 3600;
/** A program's source, in characters; longer is refused (`program_error`). */
export const MAX_PROGRAM_CHARS = 100_000;
/** Phases the input may declare; more is refused (`program_error`). */
export const MAX_WORKFLOW_PHASES = 20;
/** Agents per phase of a phase-list plan; more is refused (`program_error`). */
export const MAX_PHASE_AGENTS = 8;
/** CPU per replay, in QuickJS interrupt checks (each some thousands of bytecode steps); past it the run ends (`program_error`). */
export const MAX_PROGRAM_STEPS = 400;
/** Heap of one replay's QuickJS runtime; past it the run ends (`program_error`). */
export const MAX_PROGRAM_MEMORY_BYTES = 16 * 1024 * 1024;
/**
 * Stack of one replay's QuickJS runtime; past it the run ends (`program_error`). The interpreter recurses on the
 * host's own stack, so this stays well under it (at 512 KiB, deep recursion overflowed the host's stack first).
 */
export const MAX_PROGRAM_STACK_BYTES = 128 * 1024;
/** A run's result (the program's return value, as text) is cut at this many characters. */
export const MAX_RESULT_CHARS = 100_000;

/** A run the server would not create, or an error a tool call about a run reports. */
export class RefusedRun extends ToolError {
  constructor(readonly error: BetaManagedAgentsWorkflowRunErrorObject) {
    super(error.message);
  }
}

const refuse = (message: string) => new RefusedRun({ type: "program_error", message });

/**
 * The `start_workflow_run` input as a run, or a `program_error` naming the first thing wrong with it. The input
 * is a `program` (with optional `phases` declaring the phases it enters), or a list of `phases` each running agents,
 * which becomes the program that runs them in order: one code path for both.
 */
export function parsePlan(tx: ThreadTx, workflows: WorkflowsState, input: Record<string, unknown>, now: number): WorkflowRun {
  let program: string;
  let phases: WorkflowPhase[];
  if (input.program !== undefined) {
    if (typeof input.program !== "string" || !input.program.trim()) throw refuse("program: a non-empty string of JavaScript is required");
    if (input.program.length > MAX_PROGRAM_CHARS) throw refuse(`program: at most ${MAX_PROGRAM_CHARS} characters`);
    program = input.program;
    phases = declaredPhases(input.phases ?? []);
  } else {
    ({ program, phases } = phaseListProgram(tx, workflows, input.phases));
  }
  const invalid = syntaxError(program);
  if (invalid) throw refuse(`program: it does not compile: ${invalid}`);
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
    program,
    phases,
    entered: [],
    calls: [],
    seed: crypto.getRandomValues(new Uint32Array(1))[0],
    startedAt: now,
    ended: false,
    deadline: now + timeoutSeconds * 1000,
    timeoutSeconds,
  };
}

/** `phases` beside a program: `[{name, description?}]`, the phases it will enter, announced by `created`. */
function declaredPhases(raw: unknown): WorkflowPhase[] {
  if (!Array.isArray(raw)) throw refuse("phases: an array of {name, description} is required");
  if (raw.length > MAX_WORKFLOW_PHASES) throw refuse(`phases: at most ${MAX_WORKFLOW_PHASES} phases per plan`);
  return raw.map((entry, i) => {
    const phase = (entry ?? {}) as Record<string, unknown>;
    if (typeof phase.name !== "string" || !phase.name.trim()) throw refuse(`phases[${i}].name: a non-empty string is required`);
    if (phase.agent !== undefined || phase.agents !== undefined) throw refuse(`phases[${i}]: with a program, a phase declares only name and description`);
    return { id: newId("wfph"), name: phase.name, description: optionalText(phase.description) };
  });
}

/** The program a phase list stands for: each phase's agents at once, each given the previous phase's reports; it returns the last phase's. */
function phaseListProgram(tx: ThreadTx, workflows: WorkflowsState, raw: unknown): { program: string; phases: WorkflowPhase[] } {
  if (!Array.isArray(raw) || raw.length === 0) throw refuse("program: JavaScript is required (or phases: a non-empty array of {name, agent, task} or {name, agents})");
  if (raw.length > MAX_WORKFLOW_PHASES) throw refuse(`phases: at most ${MAX_WORKFLOW_PHASES} phases per plan`);
  const plan = raw.map((entry, i) => {
    const phase = (entry ?? {}) as Record<string, unknown>;
    const at = `phases[${i}]`;
    if (typeof phase.name !== "string" || !phase.name.trim()) throw refuse(`${at}.name: a non-empty string is required`);
    let steps: Record<string, unknown>[];
    if (phase.agents !== undefined) {
      if (phase.agent !== undefined || phase.task !== undefined) throw refuse(`${at}: give either agent and task, or agents`);
      if (!Array.isArray(phase.agents) || phase.agents.length === 0) throw refuse(`${at}.agents: a non-empty array of {agent, task} is required`);
      if (phase.agents.length > MAX_PHASE_AGENTS) throw refuse(`${at}.agents: at most ${MAX_PHASE_AGENTS} agents per phase`);
      steps = phase.agents.map((step, j) => stepCall(tx, workflows, (step ?? {}) as Record<string, unknown>, `${at}.agents[${j}]`));
    } else steps = [stepCall(tx, workflows, phase, at)];
    return { name: phase.name, description: optionalText(phase.description), steps };
  });
  const program = `const plan = ${JSON.stringify(plan.map((p) => ({ name: p.name, steps: p.steps })))};
const reportsText = (of, phase) => phase.reports.length === 1
  ? "Report of " + of + ":\\n" + phase.reports[0]
  : "Reports of " + of + ", one per agent:\\n\\n" + phase.reports.map((r, i) => "[" + (i + 1) + "] " + phase.steps[i].name + ":\\n" + r).join("\\n\\n");
let previous = null;
for (const p of plan) {
  const handover = previous ? "\\n\\n" + reportsText("the previous phase (" + previous.name + ")", previous) : "";
  const reports = await phase(p.name, () => Promise.all(p.steps.map((s) => agent({ ...s, task: s.task + handover }))));
  previous = { name: p.name, steps: p.steps, reports };
}
return reportsText("its last phase", previous);`;
  return { program, phases: plan.map((p) => ({ id: newId("wfph"), name: p.name, description: p.description })) };
}

/** A phase-list step as the program's agent() argument, its agent checked now so a bad name refuses the plan. */
function stepCall(tx: ThreadTx, workflows: WorkflowsState, step: Record<string, unknown>, at: string): Record<string, unknown> {
  if (typeof step.task !== "string" || !step.task.trim()) throw refuse(`${at}.task: a non-empty string is required`);
  try {
    tx.pick(step.agent, workflows.roster, workflows.inline);
  } catch (err) {
    if (err instanceof ToolError) throw refuse(`${at}.${err.message}`);
    throw err;
  }
  const agent = step.agent;
  return typeof agent === "string" ? { name: agent, task: step.task } : { ...(agent as Record<string, unknown>), task: step.task };
}

const optionalText = (v: unknown) => (typeof v === "string" && v ? v : null);
