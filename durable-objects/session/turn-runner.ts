import { runModelStep } from "./agent-loop";
import type { FanOut } from "./fan-out";
import type { ModelCall } from "./model-call";
import type { SessionHost } from "./session-host";
import { retryDue } from "./session-state";
import type { ToolDispatch } from "./tool-dispatch";

/** What the turn runner needs from the session's Durable Object. */
export interface TurnRunnerDeps extends SessionHost {
  fanout: FanOut;
  tools: ToolDispatch;
  /** Mirrors to D1 what the steps deferred (d1-mirror.ts): once they end, not per commit. */
  settleMirror(): Promise<void>;
}

/** How long a model step may run before the alarm assumes this instance died and redoes it. */
const WATCHDOG_MS = 5 * 60_000;
/** A step started inline gets this long before the alarm joins it (keeping the object alive) or, after a crash, redoes it. */
const STEP_GRACE_MS = 1_000;

/**
 * Drives a single-agent session's turn (a multiagent session's threads have thread-runner.ts): a commit that makes
 * a model call due starts the step at once in this instance and arms the alarm as the safety net; steps run one at
 * a time, and a turn survives eviction (the alarm fires and the step is redone from the log).
 */
export class TurnRunner {
  /** The model request in flight, if any: an interrupt aborts it and books what it spent. */
  inflight: { abort: AbortController; call: ModelCall } | undefined;
  /** The model steps running in this instance, if any; `stepAgain` asks them for one more. */
  private stepping: Promise<void> | undefined;
  private stepAgain = false;

  constructor(private readonly deps: TurnRunnerDeps) {}

  /** Whether model steps are running in this instance (their commits defer the D1 mirror until they end). */
  get running(): boolean {
    return this.stepping !== undefined;
  }

  /** A commit made a model call due: run it now, with the alarm armed in case this instance dies. */
  async modelDue(): Promise<void> {
    await this.deps.ctx.storage.setAlarm(Date.now() + STEP_GRACE_MS);
    this.runSoon();
  }

  async alarm(): Promise<void> {
    const turn = this.deps.state()?.turn;
    if (!turn) return;
    if (turn.phase === "retry_wait") {
      // An alarm never fires before its time, but Date.now() in a Worker is coarse; only a wake-up well
      // ahead of the backoff (some other alarm) waits. Re-arming the very time that is firing would not
      // stick: the runtime clears an alarm whose handler returns without moving it.
      if (turn.retryAt && Date.now() < turn.retryAt - 1000) {
        await this.deps.ctx.storage.setAlarm(turn.retryAt);
        return;
      }
      await this.deps.commit((t) => retryDue(t));
    }
    const current = this.deps.state()?.turn;
    if (current?.phase === "tools") return this.deps.tools.runPending(current.pending);
    if (current?.phase !== "model") return;
    // If this instance dies mid-call, this alarm brings the step back (and it is redone from the log).
    await this.deps.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    // A step already running here (started inline by the commit) is joined, never doubled: the alarm
    // handler then only keeps the object alive until it ends.
    await (this.stepping ?? this.startSteps());
  }

  /** A fresh instance (first use, or after eviction/crash) picks up whatever the turn was doing. */
  async resume(): Promise<void> {
    const turn = this.deps.state()?.turn;
    if (!turn) return;
    if (turn.phase === "model") await this.deps.ctx.storage.setAlarm(Date.now());
    else if (turn.phase === "retry_wait") await this.deps.ctx.storage.setAlarm(turn.retryAt ?? Date.now());
    else if (turn.phase === "tools") this.deps.tools.runPending(turn.pending);
  }

  /**
   * Runs the model step in this instance right after the commit that made it due, without waiting for it
   * (the RPC that committed answers at once). The alarm armed just before is the safety net: it fires
   * only if the step outlives STEP_GRACE_MS (and then joins it) or this instance dies (and then redoes it).
   */
  private runSoon() {
    if (this.stepping) {
      this.stepAgain = true;
      return;
    }
    // A step that throws leaves the alarm armed: it runs the step again, as a failed alarm would be retried.
    const steps = this.startSteps().catch((err) =>
      console.error(JSON.stringify({ level: "error", message: "model step failed", session: this.deps.state()?.sessionId, error: String(err) })),
    );
    this.deps.ctx.waitUntil(steps);
  }

  /** Model steps, one at a time, until none is due: a commit during a step that makes another due loops. */
  private startSteps(): Promise<void> {
    const { ctx, env, log, fanout, mcp } = this.deps;
    const state = () => this.deps.state();
    const run = async () => {
      do {
        this.stepAgain = false;
        await runModelStep({
          env,
          log,
          fanout,
          state,
          commit: async (fn) => {
            await this.deps.commit(fn);
          },
          track: (inflight) => {
            this.inflight = inflight;
          },
          mcp,
        });
      } while (this.stepAgain && state()?.turn.phase === "model");
      const phase = state()?.turn.phase;
      if (phase !== "model" && phase !== "retry_wait") await ctx.storage.deleteAlarm();
    };
    this.stepping = run().finally(() => {
      this.stepping = undefined;
      ctx.waitUntil(this.deps.settleMirror());
    });
    return this.stepping;
  }
}
