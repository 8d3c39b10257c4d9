import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten-core";
import type { ThreadAgent } from "../threads";
import { ToolError } from "../tool-error";
import { discardProgramEngine, programEngine } from "./engine";
import type { WorkflowRun } from "./journal";
import { MAX_PROGRAM_MEMORY_BYTES, MAX_PROGRAM_STACK_BYTES, MAX_PROGRAM_STEPS, MAX_RESULT_CHARS, MAX_WORKFLOW_RUN_AGENTS } from "./plan";
import { installProgramApi } from "./program-api";

/**
 * One replay of a run's program: a fresh QuickJS runtime runs it from the start against the run's journal until
 * its job queue drains. Journaled calls resolve at once; calls past the journal are returned as new (the caller
 * journals them and starts their threads) and stay pending. Nothing persists between replays but the journal.
 */

/** What happened, in program order: the caller turns it into phase events and threads. */
export type TraceItem = { kind: "phase_start"; index: number; name: string } | { kind: "phase_end"; index: number } | { kind: "call"; index: number };

export type ReplayOutcome =
  /** The program waits on agent calls that have not reported. */
  | { type: "waiting" }
  /** Its promise fulfilled: the run's result, as text. */
  | { type: "returned"; value: string }
  /** It threw, could not run, or passed a limit (`program_error`). */
  | { type: "failed"; message: string }
  /** It called more agents than a run may start (`thread_limit_error`). */
  | { type: "thread_limit"; message: string };

export interface Replay {
  trace: TraceItem[];
  /** Calls past the journal, in call order. */
  added: { agent: ThreadAgent; task: string }[];
  outcome: ReplayOutcome;
}

/** Wraps the program so its body may `await` and `return`. */
const wrap = (program: string) => `(async () => {\n${program}\n})()`;

/** Whether the program compiles: undefined, or the syntax error. */
export function syntaxError(program: string): string | undefined {
  const outcome = guarded(() =>
    withContext(() => false, (vm): ReplayOutcome => {
      const result = vm.evalCode(wrap(program), "workflow.js", { compileOnly: true });
      if (!result.error) {
        result.value.dispose();
        return { type: "waiting" };
      }
      const message = errorText(vm, result.error);
      result.error.dispose();
      return { type: "failed", message };
    }),
  );
  return outcome.type === "failed" ? outcome.message : undefined;
}

/** Replays `run`'s program; `resolve` turns an agent call's spec into the agent it runs (a ToolError otherwise). */
export function replay(run: WorkflowRun, resolve: (spec: Record<string, unknown>) => ThreadAgent): Replay {
  const trace: TraceItem[] = [];
  const added: Replay["added"] = [];
  let phases = 0;
  let limit: ReplayOutcome | undefined;
  let steps = 0;
  const outcome = guarded(() => withContext(
    () => ++steps > MAX_PROGRAM_STEPS,
    (vm, rt): ReplayOutcome => {
      installProgramApi(
        vm,
        {
          agent(specJson) {
            const spec = JSON.parse(specJson) as unknown;
            const call = callOf(spec, resolve);
            const n = trace.filter((t) => t.kind === "call").length;
            if (n < run.calls.length) {
              const journaled = run.calls[n];
              if (journaled.task !== call.task || journaled.agent.name !== call.agent.name) {
                limit ??= { type: "failed", message: `the program is not deterministic: agent call ${n + 1} differs from the one it made before` };
                throw new Error("the program is not deterministic");
              }
              trace.push({ kind: "call", index: n });
              return journaled.report;
            }
            if (n >= MAX_WORKFLOW_RUN_AGENTS) {
              limit ??= { type: "thread_limit", message: `a workflow run may start at most ${MAX_WORKFLOW_RUN_AGENTS} agents; the program called agent() once more` };
              throw new Error(`a workflow run may start at most ${MAX_WORKFLOW_RUN_AGENTS} agents`);
            }
            trace.push({ kind: "call", index: n });
            added.push(call);
            return undefined;
          },
          phaseStart(name) {
            trace.push({ kind: "phase_start", index: phases, name });
            return phases++;
          },
          phaseEnd(index) {
            trace.push({ kind: "phase_end", index });
          },
        },
        run.seed,
        run.startedAt,
      );
      const started = vm.evalCode(wrap(run.program), "workflow.js");
      if (started.error) return failed(vm, started.error, steps);
      const promise = started.value;
      try {
        for (;;) {
          const jobs = rt.executePendingJobs();
          if (jobs.error) return failed(vm, jobs.error, steps);
          if (jobs.value === 0) break;
        }
        if (limit) return limit;
        return settled(vm, promise, steps);
      } finally {
        promise.dispose();
      }
    },
  ));
  return { trace, added, outcome: limit ?? outcome };
}

/** The `agent()` argument: `{name, task}` for a predefined agent, `{name, system, description?, task}` for an inline one. */
function callOf(spec: unknown, resolve: (spec: Record<string, unknown>) => ThreadAgent): { agent: ThreadAgent; task: string } {
  if (!spec || typeof spec !== "object" || Array.isArray(spec)) throw new Error("agent({name, task}): an object is required");
  const s = spec as Record<string, unknown>;
  if (typeof s.task !== "string" || !s.task.trim()) throw new Error("agent({name, task}): task must be a non-empty string");
  try {
    return { agent: resolve(s), task: s.task };
  } catch (err) {
    if (err instanceof ToolError) throw new Error(`agent(): ${err.message}`);
    throw err;
  }
}

function settled(vm: QuickJSContext, promise: QuickJSHandle, steps: number): ReplayOutcome {
  const state = vm.getPromiseState(promise);
  if (state.type === "pending") return { type: "waiting" };
  // A limit hit inside an async function rejects its promise rather than stopping the job queue.
  if (state.type === "rejected") return failed(vm, state.error, steps);
  const value = vm.dump(state.value) as unknown;
  state.value.dispose();
  const text = typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value);
  return { type: "returned", value: text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}\n[result cut at ${MAX_RESULT_CHARS} characters]` : text };
}

function failed(vm: QuickJSContext, error: QuickJSHandle, steps: number): ReplayOutcome {
  const message = errorText(vm, error);
  error.dispose();
  if (steps > MAX_PROGRAM_STEPS) return { type: "failed", message: `the program passed its CPU limit (${MAX_PROGRAM_STEPS} interpreter slices per replay): does it loop forever?` };
  // Out of memory with no room left for an error object, the engine throws null.
  if (message === "null") return { type: "failed", message: `the program threw null: it passed its memory limit of ${MAX_PROGRAM_MEMORY_BYTES} bytes, or threw null itself` };
  if (/out of memory/i.test(message)) return { type: "failed", message: `the program passed its memory limit of ${MAX_PROGRAM_MEMORY_BYTES} bytes` };
  if (/stack overflow/i.test(message)) return { type: "failed", message: `the program passed its stack limit of ${MAX_PROGRAM_STACK_BYTES} bytes (runaway recursion?)` };
  return { type: "failed", message: `the program threw ${message}` };
}

/** "Name: message" of a thrown value. */
function errorText(vm: QuickJSContext, error: QuickJSHandle): string {
  const dumped = vm.dump(error) as unknown;
  if (dumped && typeof dumped === "object" && "message" in dumped) {
    const e = dumped as { name?: unknown; message?: unknown };
    return `${typeof e.name === "string" ? e.name : "Error"}: ${String(e.message)}`;
  }
  return typeof dumped === "string" ? dumped : JSON.stringify(dumped) ?? String(dumped);
}

/** The engine itself failing (not the program throwing) ends the run rather than the session's transition. */
function guarded(run: () => ReplayOutcome): ReplayOutcome {
  try {
    return run();
  } catch (err) {
    discardProgramEngine();
    return { type: "failed", message: `the program engine failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}` };
  }
}

/** A fresh runtime and context with the program limits, disposed afterwards. */
function withContext<T>(interrupt: () => boolean, fn: (vm: QuickJSContext, rt: QuickJSRuntime) => T): T {
  const rt = programEngine().newRuntime();
  rt.setMemoryLimit(MAX_PROGRAM_MEMORY_BYTES);
  rt.setMaxStackSize(MAX_PROGRAM_STACK_BYTES);
  rt.setInterruptHandler(interrupt);
  const vm = rt.newContext();
  try {
    return fn(vm, rt);
  } finally {
    vm.dispose();
    rt.dispose();
  }
}
