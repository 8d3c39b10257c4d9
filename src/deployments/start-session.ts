import type { Env } from "../env";
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

/** The session plane is not part of this build: the run is recorded as failed with this message. */
export class SessionPlaneUnavailableError extends Error {
  constructor() {
    super(
      "session plane not available: this build has no sessions implementation (src/sessions/create.ts), " +
        "so deployment runs cannot start sessions yet",
    );
    this.name = "SessionPlaneUnavailableError";
  }
}

/**
 * The seam between deployments and the session plane. A run calls this and records what
 * comes back: a session id, or the thrown error as the run's error (an `ApiError` 429 is a
 * rate limit, another 4xx a rejected create, anything else `unknown_error`).
 *
 * It cannot go through the public `POST /v1/sessions` route in-process (that needs an API
 * key), so once the session plane lands this should call its creation function directly:
 *
 *   import { createSession } from "../sessions/create";
 *   const session = await createSession(env, { workspaceId, agent, environment_id, resources, vault_ids, budget, ... });
 *   // then send `initialEvents` to the new session, and return { sessionId: session.id }
 *
 * Until then every run fails with SessionPlaneUnavailableError.
 */
export async function startSession(_env: Env, _input: StartSessionInput): Promise<{ sessionId: string }> {
  throw new SessionPlaneUnavailableError();
}
