import type { Env } from "../../src/env";
import type { HandsEnvironment } from "../../src/hands/environment";
import type { SandboxBackend } from "../../src/hands/sandbox";
import type { ContainerClient } from "../../src/hands/containers/container-sandbox";
import { loadEgressSecrets, placeholderEnv } from "../../src/hands/egress-secrets";
import { outboundPolicy } from "../../src/lib/outbound-guard";
import { loadWorkspaceLimits } from "../../src/limits/workspace-limits";
import { IsolateSandbox } from "./isolate-sandbox";
import { MAX_FILE_BYTES } from "./execution-limits";

/**
 * A session's sandbox backend; the deployment picks it: a container when SANDBOX_CONTAINERS is bound, else the
 * in-isolate sandbox over the sandbox object's own SQLite (`sql`).
 */
export async function createSandboxBackend(
  env: Env,
  sql: SqlStorage,
  scope: { workspaceId: string; sessionId: string },
  environment: HandsEnvironment,
  connectContainer: () => Promise<ContainerClient>,
): Promise<SandboxBackend> {
  const secrets = await loadEgressSecrets(env, scope.workspaceId, scope.sessionId);
  if (env.SANDBOX_CONTAINERS) {
    const { ContainerSandbox } = await import("../../src/hands/containers/container-sandbox");
    // Only the placeholders go to the container; the egress reads the values per request.
    return new ContainerSandbox(await connectContainer(), {
      sessionId: scope.sessionId,
      networking: environment.networking,
      shellEnv: placeholderEnv(secrets),
      secretScope: secrets.length ? { workspaceId: scope.workspaceId, sessionId: scope.sessionId } : null,
      backupBucket: env.BACKUP_BUCKET,
      presignedBackups: Boolean(env.R2_ACCESS_KEY_ID && env.R2_SECRET_ACCESS_KEY && env.BACKUP_BUCKET_NAME && env.CLOUDFLARE_ACCOUNT_ID),
    });
  }
  const limits = await loadWorkspaceLimits(env, scope.workspaceId);
  const quota = { maxBytes: limits.max_sandbox_bytes, maxFileBytes: MAX_FILE_BYTES };
  return new IsolateSandbox(sql, env.BLOBS, `sandboxes/${scope.workspaceId}/${scope.sessionId}/`, environment.networking, secrets, quota, outboundPolicy(env));
}

/** Runs `fn` up to `attempts` times, backing off between tries. */
export async function retry<T>(attempts: number, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }
}
