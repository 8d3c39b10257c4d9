import { DurableObject } from "cloudflare:workers";
import type Anthropic from "@anthropic-ai/sdk";
import type { BetaDreamUsage } from "@anthropic-ai/sdk/resources/beta/dreams";
import type { Env } from "../../src/env";
import { database, type Database } from "../../src/db/client";
import type { DreamRow } from "../../src/db/schema";
import { applyEdit } from "../../src/dreams/edits";
import { sessionTranscript, storeContents } from "../../src/dreams/inputs";
import { callModel, openingMessage } from "../../src/dreams/model-step";
import { prepareOutputStore } from "../../src/dreams/output-store";
import { findDream, finish, markRunning, recordOutput, recordUsage, releaseHold, zeroDreamUsage } from "../../src/dreams/store";
import { newId } from "../../src/lib/ids";
import { FINAL_STATUSES } from "../../src/schemas/dreams";
import type { Actor } from "../../src/schemas/memories";

export interface DreamJob {
  workspaceId: string;
  dreamId: string;
  /** Who the dream's memory writes are recorded as: the API key that created it. */
  actor: Actor;
}

/** Where the run is. Saved after every step, so a crash resumes at the step it interrupted. */
interface Progress {
  /** Chosen before the output store is created; `outputStoreId` once it is complete. */
  plannedStoreId?: string;
  outputStoreId?: string;
  messages?: Anthropic.MessageParam[];
  steps: number;
  failures: number;
  usage: BetaDreamUsage;
}

/** A dream that has not finished after this many model calls fails with `timeout` rather than run forever. */
const MAX_STEPS = 50;
/** Steps that fail (a model call after the SDK's own retries, D1, a session read) this many times in a row fail the dream. */
const MAX_FAILURES = 4;

/**
 * One per dream: runs it with the brain's model client, one model call per alarm. The D1 row is what the API
 * serves and the only place a final status is written (a cancel and the runner race on it, and the first
 * write wins); this object keeps the conversation and progress, so a crash or eviction resumes the dream at the
 * step it was in. Every memory edit is idempotent (write = create or replace by path), so a step that is
 * applied twice after a crash leaves the store as once.
 */
export class DreamRunner extends DurableObject<Env> {
  async start(job: DreamJob): Promise<void> {
    await this.ctx.storage.put("job", job);
    await this.wake();
  }

  /** Runs the next step now (after a cancel, so the runner lets go of its store promptly). */
  async wake(): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now());
  }

  async alarm(): Promise<void> {
    const job = await this.ctx.storage.get<DreamJob>("job");
    if (!job) return;
    const db = database(this.env.DB);
    const row = await findDream(db, job.workspaceId, job.dreamId);
    if (FINAL_STATUSES.has(row.status)) return this.stop(db, row);
    const progress = (await this.ctx.storage.get<Progress>("progress")) ?? { steps: 0, failures: 0, usage: zeroDreamUsage() };
    try {
      await this.step(db, job, row, progress);
    } catch (err) {
      // The model, D1 or a session read failed: try the step again later, and give up after a few failures in a
      // row rather than leave the dream `running` forever.
      progress.failures++;
      await this.save(progress);
      if (progress.failures >= MAX_FAILURES) {
        return this.end(db, row, "failed", { type: "internal_error", message: `the dream failed ${progress.failures} times in a row: ${String(err)}` });
      }
      const base = Number(this.env.SESSION_RETRY_BASE_MS ?? 1000);
      await this.ctx.storage.setAlarm(Date.now() + base * 2 ** (progress.failures - 1));
    }
  }

  private async step(db: Database, job: DreamJob, row: DreamRow, progress: Progress): Promise<void> {
    await markRunning(db, row);
    if (!progress.outputStoreId) {
      // The id is chosen and saved before the store exists, so a crash in between creates it once, not twice.
      progress.plannedStoreId ??= newId("memstore");
      await this.save(progress);
      progress.outputStoreId = await prepareOutputStore(db, row, job.actor, progress.plannedStoreId);
      await recordOutput(db, row, progress.outputStoreId);
      await this.save(progress);
    }
    if (!progress.messages) {
      progress.messages = [openingMessage(await this.readInputs(db, row), row.instructions)];
      await this.save(progress);
    }
    const scope = { workspaceId: row.workspaceId, memoryStoreId: progress.outputStoreId };
    const last = progress.messages[progress.messages.length - 1];
    if (last?.role === "assistant") {
      // The model asked for edits: apply them (again, if a crash cut the step short) and answer.
      const uses = (last.content as Anthropic.ContentBlockParam[]).filter((b): b is Anthropic.ToolUseBlockParam => b.type === "tool_use");
      if (!uses.length) return this.end(db, row, "completed");
      const results: Anthropic.ToolResultBlockParam[] = [];
      for (const use of uses) {
        const result = await applyEdit(db, scope, use.name, use.input, job.actor);
        results.push({ type: "tool_result", tool_use_id: use.id, content: result.text, is_error: result.isError || undefined });
      }
      progress.messages.push({ role: "user", content: results });
      progress.steps++;
      progress.failures = 0;
      await this.save(progress);
      return this.ctx.storage.setAlarm(Date.now());
    }
    if (progress.steps >= MAX_STEPS) {
      return this.end(db, row, "failed", { type: "timeout", message: `the dream did not finish within ${MAX_STEPS} model calls` });
    }

    const answer = await callModel(this.env, row.id, row.model.id, progress.messages);
    progress.failures = 0;
    addUsage(progress.usage, answer.usage);
    // A cancel may have landed during the call: its tokens still count ("usage can keep changing"), its edits don't.
    const now = await findDream(db, job.workspaceId, job.dreamId);
    await recordUsage(db, row, progress.usage);
    if (FINAL_STATUSES.has(now.status)) return this.stop(db, now);
    progress.messages.push({ role: "assistant", content: answer.content });
    await this.save(progress);
    if (answer.stop_reason !== "tool_use") return this.end(db, row, "completed");
    await this.ctx.storage.setAlarm(Date.now());
  }

  private async readInputs(db: Database, row: DreamRow) {
    const store = row.inputs.find((i) => i.type === "memory_store")!;
    const sessions = row.inputs.find((i) => i.type === "sessions")!;
    const memories = await storeContents(db, { workspaceId: row.workspaceId, memoryStoreId: store.memory_store_id });
    const transcripts = [];
    for (const sessionId of sessions.session_ids) {
      transcripts.push({ sessionId, text: await sessionTranscript(this.env, row.workspaceId, sessionId) });
    }
    return { memories, transcripts };
  }

  private async end(db: Database, row: DreamRow, status: "completed" | "failed", error?: { type: string; message: string }) {
    await finish(db, row, status, error ?? null);
    await this.stop(db, row);
  }

  /** Fully stopped: the store is let go and the progress dropped (the row keeps everything the API shows). */
  private async stop(db: Database, row: DreamRow) {
    if (row.heldMemoryStoreId) await releaseHold(db, row);
    await this.ctx.storage.deleteAll();
  }

  private save(progress: Progress) {
    return this.ctx.storage.put("progress", progress);
  }
}

function addUsage(total: BetaDreamUsage, usage: Anthropic.Usage) {
  total.input_tokens += usage.input_tokens;
  total.output_tokens += usage.output_tokens;
  total.cache_read_input_tokens += usage.cache_read_input_tokens ?? 0;
  total.cache_creation_input_tokens += usage.cache_creation_input_tokens ?? 0;
}
