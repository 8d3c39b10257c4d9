import type { Env } from "../env";
import { database } from "../db/client";
import { isUniqueViolation } from "../db/queries/constraints";
import { findSession } from "../db/queries/sessions";
import { ApiError } from "../lib/errors";
import { createSession } from "../sessions/create";
import type { CreateSessionBody } from "../schemas/sessions";
import type {
  DeploymentBudget,
  DeploymentInitialEvent,
  DeploymentResourceParam,
  RunAgent,
} from "../schemas/deployments";

/** Everything a deployment run hands the session plane to start one session. */
export interface StartSessionInput {
  workspaceId: string;
  /** Pinned: deployments always resolve their agent to a concrete version. */
  agent: RunAgent;
  environmentId: string;
  /** Sent to the session, in order, right after it is created. */
  initialEvents: DeploymentInitialEvent[];
  /** Write-only GitHub tokens included: never render these. */
  resources: DeploymentResourceParam[];
  vaultIds: string[];
  budget: DeploymentBudget | null;
  deploymentId: string;
  /** Unique per run: an idempotency key, so a retried fire cannot start two sessions. */
  runId: string;
}

/**
 * The seam between deployments and the session plane. A run calls this and records what
 * comes back: a session id, or the thrown error as the run's error (an `ApiError` 429 is a
 * rate limit, another 4xx a rejected create, anything else `unknown_error`).
 *
 * Idempotent per run: the session id is derived from the run id, so a retried fire of the
 * same run finds the session its first attempt created instead of starting a second one.
 */
export async function startSession(env: Env, input: StartSessionInput): Promise<{ sessionId: string }> {
  const sessionId = sessionIdForRun(input.runId);
  const existing = await existingSession(env, input.workspaceId, sessionId);
  if (existing) return { sessionId: existing };
  const body: CreateSessionBody = {
    agent: input.agent,
    environment_id: input.environmentId,
    resources: input.resources as CreateSessionBody["resources"],
    vault_ids: input.vaultIds,
    initial_events: input.initialEvents as CreateSessionBody["initial_events"],
    ...(input.budget ? { budget: input.budget } : {}),
  };
  try {
    const session = await createSession(env, input.workspaceId, body, { deploymentId: input.deploymentId, sessionId });
    return { sessionId: session.id };
  } catch (err) {
    // A concurrent attempt of the same run got there first: its session is this run's session.
    if (isUniqueViolation(err)) return { sessionId };
    throw err;
  }
}

/** `drun_X` → `sesn_X`: keeps the time-sortable suffix, so the id is as unique as the run's. */
export const sessionIdForRun = (runId: string) => `sesn_${runId.slice(runId.indexOf("_") + 1)}`;

async function existingSession(env: Env, workspaceId: string, sessionId: string): Promise<string | null> {
  try {
    return (await findSession(database(env.DB), workspaceId, sessionId)).id;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}
