import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";
import type { ToolUse } from "../../src/hands";
import { findEnvironment, type HandsEnvironment } from "../../src/hands/environment";
import type { BackupHandle, SandboxBackend } from "../../src/hands/sandbox";
import { runToolUse, toolResult, type ToolResultEvent } from "../../src/hands/toolset";
import { deliverToolResult, type DeliveryOutcome } from "../../src/hands/deliver";
import { mintSessionsToken } from "../../src/hands/tokens";
import type { ContainerClient } from "../../src/hands/containers/container-sandbox";
import { installSkills } from "../../src/hands/skills";
import { mountNewFiles } from "./mount-resources";
import { createSandboxBackend, retry } from "./create-backend";
import { withMemoryMounts } from "./memory-mounts";
import { SqlMountBaseline } from "./memory-baseline";
import { database } from "../../src/db/client";
import { findSession } from "../../src/db/queries/sessions";
import { memoryMountsOf } from "../../src/sessions/memory-mounts";
import { SandboxMeta, type SandboxScope } from "./sandbox-meta";

/** With nothing to run for this long, the workspace is snapshotted to R2 and the sandbox torn down. */
export const IDLE_SNAPSHOT_MS = 5 * 60_000;
/** Containers sleep (and lose their disk) after this; longer than the idle snapshot so the snapshot comes first. */
const CONTAINER_SLEEP_AFTER = "15m";
const PROVISION_ATTEMPTS = 3;
const DELIVERY_ATTEMPTS = 8;
const TOKEN_REFRESH_MS = 60 * 60_000;

interface ToolUseRow extends Record<string, string | number | null> {
  id: string;
  seq: number;
  name: string;
  input: string;
  status: "pending" | "done" | "delivered" | "rejected";
  result: string | null;
  attempts: number;
  runs: number;
}

/**
 * One per session (`idFromName(sessionId)`) for `cloud` environments: the session's hands. The brain hands it
 * tool uses and moves on; this object records them, runs them in order in the session's sandbox, and posts each
 * result back to the session. Everything it needs to resume lives in its SQLite, and the work runs from alarms,
 * so an eviction mid-batch picks up where it stopped.
 *
 * The sandbox is provisioned on the first tool use: a Cloudflare Container when the deployment binds
 * SANDBOX_CONTAINERS, otherwise the in-isolate sandbox (just-bash over this object's SQLite). After
 * IDLE_SNAPSHOT_MS without work its workspace is snapshotted to R2 and the sandbox freed; the next tool use
 * provisions a new one and restores the snapshot.
 */
export class SandboxDurableObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly meta: SandboxMeta;
  private readonly memoryBaseline: SqlMountBaseline;
  private backend?: SandboxBackend;
  /** Replaced in tests to observe delivery without the session plane. */
  deliver: (scope: SandboxScope, token: string, event: ToolResultEvent) => Promise<DeliveryOutcome> = (scope, token, event) =>
    deliverToolResult(this.env, scope.sessionId, token, event);

  /** The session's container (one per session); replaced in tests by an in-memory fake of the client. */
  connectContainer = async (scope: SandboxScope): Promise<ContainerClient> => {
    const { getSandbox } = await import("@cloudflare/sandbox");
    // Sandbox ids should be lowercase (the SDK lowercases them for preview URLs); session ids are mixed-case
    // base62, so they are hex-encoded, which keeps two sessions from ever sharing a container.
    const id = `sesn-${Array.from(new TextEncoder().encode(scope.sessionId), (b) => b.toString(16).padStart(2, "0")).join("")}`;
    return getSandbox(this.env.SANDBOX_CONTAINERS!, id, { sleepAfter: CONTAINER_SLEEP_AFTER }) as unknown as ContainerClient;
  };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS tool_uses (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        name TEXT NOT NULL,
        input TEXT NOT NULL,
        status TEXT NOT NULL,
        result TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        runs INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS tool_uses_status ON tool_uses (status, seq);
    `);
    this.meta = new SandboxMeta(this.sql);
    this.memoryBaseline = new SqlMountBaseline(this.sql);
  }

  /**
   * Records tool uses for execution and returns at once. Idempotent: a tool use already recorded (the brain
   * re-dispatching after a crash) is neither run nor answered twice.
   */
  async runToolUses(input: SandboxScope & { toolUses: ToolUse[] }): Promise<void> {
    this.meta.claim(input);
    const now = Date.now();
    for (const toolUse of input.toolUses) {
      const seq = this.sql.exec<{ n: number }>("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM tool_uses").one().n;
      this.sql.exec(
        "INSERT OR IGNORE INTO tool_uses (id, seq, name, input, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
        toolUse.id,
        seq,
        toolUse.name,
        JSON.stringify(toolUse.input ?? {}),
        now,
        now,
      );
    }
    await this.ctx.storage.setAlarm(now);
  }

  /** Runs one tool use right away and returns its result without recording or delivering it (tests, debugging). */
  async runTool(scope: SandboxScope, toolUse: ToolUse): Promise<ToolResultEvent> {
    this.meta.claim(scope);
    return runToolUse(await this.sandbox(), toolUse);
  }

  /** Snapshots the workspace now and frees the sandbox (what going idle does). */
  async snapshot(): Promise<BackupHandle | null> {
    if (!(await this.hasLiveSandbox())) return this.meta.latestBackup();
    const sandbox = await this.sandbox();
    const handle = await sandbox.backup();
    const previous = this.meta.latestBackup();
    this.meta.set("latest_backup", JSON.stringify(handle));
    // Superseded: only the latest snapshot is ever restored.
    if (previous) await sandbox.discard(previous).catch(() => {});
    await sandbox.destroy();
    this.meta.delete("provisioned");
    this.meta.delete("mounted_resources");
    this.memoryBaseline.clear();
    this.backend = undefined;
    return handle;
  }

  override async alarm(): Promise<void> {
    await this.drain();
    const waiting = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM tool_uses WHERE status IN ('pending', 'done')").one().n;
    if (waiting > 0) {
      // Only undeliverable results remain (the session plane was unavailable): back off and try again.
      const attempts = this.sql.exec<{ a: number }>("SELECT MAX(attempts) AS a FROM tool_uses WHERE status = 'done'").one().a ?? 0;
      await this.ctx.storage.setAlarm(Date.now() + Math.min(60_000, 1000 * 2 ** attempts));
      return;
    }
    const lastActivity = Number(this.meta.get("last_activity") ?? 0);
    if (await this.hasLiveSandbox()) {
      const idleMs = Number(this.env.SANDBOX_IDLE_SNAPSHOT_MS) || IDLE_SNAPSHOT_MS;
      if (Date.now() - lastActivity >= idleMs) await this.snapshot();
      else await this.ctx.storage.setAlarm(lastActivity + idleMs);
    }
  }

  // ---- the queue ----

  /**
   * One drain at a time per object: results are delivered in order and exactly once even if an alarm
   * overlaps a drain still awaiting its delivery (as a test's runDurableObjectAlarm can make it).
   */
  private draining?: Promise<void>;

  private drain(): Promise<void> {
    this.draining ??= this.drainQueue().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async drainQueue() {
    const scope = this.meta.scope();
    if (!scope) return;
    for (;;) {
      const row = this.sql.exec<ToolUseRow>("SELECT * FROM tool_uses WHERE status IN ('pending', 'done') ORDER BY seq LIMIT 1").toArray()[0];
      if (!row) return;
      if (row.status === "pending") {
        // Counted before running. A run that started and never recorded its result killed or stalled the object
        // (CPU, memory, a pathological input); running it again from the alarm would stall the isolate, and every
        // tenant sharing it, once more. It is answered with an error instead: the model decides what to retry.
        this.sql.exec("UPDATE tool_uses SET runs = runs + 1 WHERE id = ?", row.id);
        const result =
          row.runs > 0
            ? toolResult(row.id, "Error: the tool call stopped the sandbox before it finished (it may exceed the sandbox's CPU or memory limits); it was not run again", true)
            : await this.execute(row);
        this.sql.exec("UPDATE tool_uses SET status = 'done', result = ?, updated_at = ? WHERE id = ?", JSON.stringify(result), Date.now(), row.id);
        this.meta.set("last_activity", String(Date.now()));
      }
      const delivered = await this.deliverRow(scope, row.id);
      // Results go back in order: a later result never overtakes one the session has not accepted yet.
      if (!delivered) return;
    }
  }

  private async execute(row: ToolUseRow): Promise<ToolResultEvent> {
    let sandbox: SandboxBackend;
    try {
      sandbox = await this.sandbox();
    } catch (err) {
      return toolResult(row.id, `Error: the sandbox could not be provisioned: ${err instanceof Error ? err.message : String(err)}`, true);
    }
    const scope = this.meta.scope()!;
    const db = database(this.env.DB);
    const resources = (await findSession(db, scope.workspaceId, scope.sessionId).catch(() => null))?.resources ?? [];
    // Session resources added since the last tool use reach the sandbox now (mount-resources.ts).
    const mounted = new Set<string>(JSON.parse(this.meta.get("mounted_resources") ?? "[]"));
    if (await mountNewFiles(this.env, scope, resources, sandbox, mounted)) this.meta.set("mounted_resources", JSON.stringify([...mounted]));
    const toolUse = { id: row.id, name: row.name, input: JSON.parse(row.input) };
    const memory = { db, sandbox, baseline: this.memoryBaseline, scope, enforcesReadOnly: !this.env.SANDBOX_CONTAINERS };
    return withMemoryMounts(memory, memoryMountsOf(resources), toolUse, (roots) => runToolUse(sandbox, toolUse, undefined, roots));
  }

  /** True once the result is settled (accepted, or refused for good); false to retry later. */
  private async deliverRow(scope: SandboxScope, id: string): Promise<boolean> {
    const row = this.sql.exec<ToolUseRow>("SELECT * FROM tool_uses WHERE id = ?", id).one();
    const outcome = await this.deliver(scope, await this.token(scope), JSON.parse(row.result!));
    if (outcome.status === "retry" && row.attempts + 1 < DELIVERY_ATTEMPTS) {
      if (outcome.httpStatus === 401) this.meta.delete("token");
      this.sql.exec("UPDATE tool_uses SET attempts = attempts + 1, updated_at = ? WHERE id = ?", Date.now(), id);
      return false;
    }
    const status = outcome.status === "delivered" ? "delivered" : "rejected";
    if (outcome.status !== "delivered") {
      // A refused result (most often: the tool use was already answered) is dropped, never sent twice.
      console.warn(JSON.stringify({ level: "warn", msg: "tool result not delivered", session_id: scope.sessionId, tool_use_id: id, outcome }));
    }
    this.sql.exec("UPDATE tool_uses SET status = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?", status, Date.now(), id);
    return true;
  }

  // ---- the sandbox ----

  /** The session's sandbox, provisioned (and its workspace restored) on first use. */
  private async sandbox(): Promise<SandboxBackend> {
    const scope = this.meta.scope();
    if (!scope) throw new Error("sandbox used before any tool use named its session");
    this.backend ??= await this.createBackend(scope);
    if (!(await this.backend.isProvisioned())) {
      const environment = await this.environment(scope);
      await retry(PROVISION_ATTEMPTS, () => this.backend!.provision(environment));
      // A fresh sandbox (or a container that lost its disk) holds none of the mounts: they are all copied again.
      this.meta.delete("mounted_resources");
      this.memoryBaseline.clear();
      const latest = this.meta.latestBackup();
      if (latest) await this.backend.restore(latest);
      // After the restore, which replaces the workspace: the skills are always the session's current ones.
      await installSkills(this.env, this.backend, scope.workspaceId, scope.sessionId);
      this.meta.set("provisioned", new Date().toISOString());
    }
    return this.backend;
  }

  private async hasLiveSandbox() {
    return this.meta.get("provisioned") !== null;
  }

  private async createBackend(scope: SandboxScope): Promise<SandboxBackend> {
    return createSandboxBackend(this.env, this.sql, scope, await this.environment(scope), () => this.connectContainer(scope));
  }

  private async environment(scope: SandboxScope): Promise<HandsEnvironment> {
    const environment = await findEnvironment(this.env.DB, scope.workspaceId, scope.environmentId);
    if (!environment) throw new Error(`environment not found: ${scope.environmentId}`);
    return environment;
  }

  // ---- delivery credentials ----

  /** A sessions token for this session, minted on demand and renewed before it expires. */
  private async token(scope: SandboxScope): Promise<string> {
    const cached = this.meta.get("token");
    if (cached) {
      const { token, expiresAt } = JSON.parse(cached);
      if (Date.parse(expiresAt) - Date.now() > TOKEN_REFRESH_MS) return token;
    }
    const minted = await mintSessionsToken(this.env.DB, { ...scope, workId: null, epoch: 0 });
    this.meta.set("token", JSON.stringify(minted));
    return minted.token;
  }
}
