import type { Env } from "../env";
import { findEnvironment } from "./environment";
import { enqueueSelfHosted } from "./self-hosted";
import { dispatchToSandbox } from "./cloud";

/** A built-in toolset call (`agent.tool_use`) the brain wants executed by the session's hands. */
export interface ToolUse {
  /** The `agent.tool_use` event id; the result must come back as `user.tool_result` with this `tool_use_id`. */
  id: string;
  name: string;
  input: unknown;
}

export interface HandsContext {
  env: Env;
  workspaceId: string;
  sessionId: string;
  environmentId: string;
}

/**
 * The seam between the brain (session DO) and the hands (self-hosted workers, containers, the in-isolate sandbox).
 * The brain calls this after appending `agent.tool_use` events and never waits on it for the result: results come
 * back to the session as `user.tool_result` events through the session's normal send path. Must be idempotent:
 * the brain may call it again after a crash or on wake for the same pending tool uses.
 *
 * - `self_hosted`: the session is queued for the environment's workers (EnvironmentWorkQueue); a worker's
 *   SessionToolRunner picks the tool uses off the event stream.
 * - `cloud`: the session's sandbox Durable Object records the tool uses and runs them in order, in a container
 *   when the deployment has one, otherwise in the isolate.
 */
export async function dispatchToolUses(ctx: HandsContext, toolUses: ToolUse[]): Promise<void> {
  if (toolUses.length === 0) return;
  const environment = await findEnvironment(ctx.env.DB, ctx.workspaceId, ctx.environmentId);
  if (!environment) throw new Error(`environment not found: ${ctx.environmentId}`);
  if (environment.type === "self_hosted") return enqueueSelfHosted(ctx);
  return dispatchToSandbox(ctx, toolUses);
}

/**
 * Gets a session's hands ready before any tool is called, so a worker can warm up while the model thinks. The SDK:
 * "Work items are queued when sessions are created or when long-dormant sessions receive new messages." Self-hosted
 * environments get their work item (idempotent: the queue keeps one live item per session); cloud sandboxes are
 * still provisioned on first tool use. Never awaited by a model call.
 */
export async function prepareHands(ctx: HandsContext): Promise<void> {
  // Every user.message calls this; a cloud environment has nothing to prepare, and its type never changes.
  if (cloudEnvironments.has(ctx.environmentId)) return;
  const environment = await findEnvironment(ctx.env.DB, ctx.workspaceId, ctx.environmentId);
  if (environment?.type === "cloud") rememberCloud(ctx.environmentId);
  if (environment?.type === "self_hosted") await enqueueSelfHosted(ctx);
}

/**
 * Environments known to be `cloud` in this isolate, so a turn in a cloud session reads no D1 row for the hands.
 * `config.type` cannot change after creation (`invalid_config_type_change`), so an entry never goes stale; a
 * deleted environment's entry only skips what would be a no-op anyway. Bounded: the oldest are forgotten first.
 */
const cloudEnvironments = new Set<string>();
const MAX_CLOUD_ENVIRONMENTS = 10_000;
function rememberCloud(environmentId: string) {
  cloudEnvironments.add(environmentId);
  if (cloudEnvironments.size > MAX_CLOUD_ENVIRONMENTS) cloudEnvironments.delete(cloudEnvironments.values().next().value!);
}
