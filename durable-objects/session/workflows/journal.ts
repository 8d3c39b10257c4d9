import type { RosterEntry, ThreadAgent } from "../threads";

/**
 * A run's durable state, saved with the log in the session's SQLite transaction. The journal is `calls`: every
 * agent call the program has made, in call order, each with its thread and, once the thread finished its turn,
 * its report. Replaying the program against it (program-runner.ts) puts the program back where it was, so a
 * crash loses nothing and a finished agent never runs twice.
 */

/** One `agent()` call of the program. */
export interface WorkflowCall {
  agent: ThreadAgent;
  task: string;
  /** Its thread, once started (calls past the run's concurrency wait for one). */
  threadId?: string;
  /** Its agent's final text, once its thread finished its turn: the call's result on every later replay. */
  report?: string;
  /** Its thread waits without having finished (on the client, or interrupted). */
  waiting?: boolean;
}

export interface WorkflowPhase {
  id: string;
  name: string;
  description: string | null;
  /** The `workflow_run.phase_started` event, once the program entered it. */
  startedEventId?: string;
  /** Its `workflow_run.phase_ended` was emitted. */
  closed?: boolean;
}

export interface WorkflowRun {
  id: string;
  name: string;
  description: string | null;
  /** The program's source (the body of an async function). */
  program: string;
  /** The phases the input declared (the `created` event's), then each one the program entered undeclared. */
  phases: WorkflowPhase[];
  /** Phase ids in the order the program entered them: a replay's n-th `phase()` is `entered[n]`. */
  entered: string[];
  calls: WorkflowCall[];
  /** Fixes the program's Math.random and Date for every replay. */
  seed: number;
  startedAt: number;
  /** Every open call's thread waits (`workflow_run.status_idle` was the last status). */
  idle?: boolean;
  ended: boolean;
  /** How it ended (`workflow_run.status_ended`'s result type), once it has. */
  result?: "completed" | "stopped" | "error";
  /** Epoch ms of its time limit. */
  deadline: number;
  timeoutSeconds: number;
}

export interface WorkflowsState {
  /** Predefined agents a program may use, by name (separate from the subagents roster). */
  roster: RosterEntry[];
  /** Whether a program may define agents inline. */
  inline: boolean;
  runs: Record<string, WorkflowRun>;
}

/** Calls whose thread is working (started, not reported). */
export const workingCalls = (run: WorkflowRun) => (run.ended ? [] : run.calls.filter((c) => c.threadId && c.report === undefined));

/** Threads the run has created. */
export const threadsCreated = (run: WorkflowRun) => run.calls.filter((c) => c.threadId).length;

/** The run's phases that started and have not ended. */
export const openPhases = (run: WorkflowRun) => run.phases.filter((p) => p.startedEventId && !p.closed);
