import type { SessionDurableObject } from "../durable-objects/session/session-durable-object";
import type { EnvironmentWorkQueue } from "../durable-objects/work-queue/environment-work-queue";
import type { DeploymentScheduler } from "../durable-objects/deployment-scheduler/deployment-scheduler";
import type { WebhookDelivery } from "../durable-objects/webhook-delivery/webhook-delivery";
import type { SandboxDurableObject } from "../durable-objects/sandbox/sandbox-durable-object";
import type { DreamRunner } from "../durable-objects/dream/dream-runner";
import type { TunnelRelay } from "../durable-objects/tunnel/tunnel-relay";
import type { Sandbox as ContainerSandboxObject } from "./hands/containers/sandbox-object";
import type { Principal } from "./middleware/auth";
import type { WorkspaceQuota } from "../durable-objects/workspace-quota/workspace-quota";
import type { WorkspaceLimits } from "./limits/workspace-limits";

/** Bindings and secrets the Worker runs with (wrangler.toml + secrets). */
export interface Env {
  DB: D1Database;
  BLOBS: R2Bucket;
  SESSIONS: DurableObjectNamespace<SessionDurableObject>;
  WORK_QUEUES: DurableObjectNamespace<EnvironmentWorkQueue>;
  /** One per deployment: fires its cron schedule with alarms. */
  DEPLOYMENT_SCHEDULERS: DurableObjectNamespace<DeploymentScheduler>;
  /** One per workspace: the webhook outbox and its retrying deliveries. */
  WEBHOOK_DELIVERIES: DurableObjectNamespace<WebhookDelivery>;
  /** One sandbox Durable Object per session of a cloud environment: runs its tool uses. */
  SANDBOXES: DurableObjectNamespace<SandboxDurableObject>;
  /** One per dream: runs it step by step on alarms. */
  DREAM_RUNNERS: DurableObjectNamespace<DreamRunner>;
  /** One per MCP tunnel: holds its connectors' WebSockets and relays the brain's MCP requests through them. */
  TUNNEL_RELAYS: DurableObjectNamespace<TunnelRelay>;
  /** Tunnel hostnames are `<label>.<suffix>`; default `tunnel.internal` (never resolves publicly). */
  TUNNEL_DOMAIN_SUFFIX?: string;
  /** One per workspace: admits API requests (rate, daily write bytes) and counts model tokens (src/limits). */
  WORKSPACE_QUOTAS: DurableObjectNamespace<WorkspaceQuota>;
  /** Cloudflare Containers (`@cloudflare/sandbox`); when bound, cloud sandboxes run there instead of in the isolate. */
  SANDBOX_CONTAINERS?: DurableObjectNamespace<ContainerSandboxObject>;
  /** Container mode: the bucket workspace snapshots go to (the sandbox SDK's backups, prefix `backups/`). */
  BACKUP_BUCKET?: R2Bucket;
  /**
   * Container mode, optional: R2 API credentials and the bucket's name let containers upload and download their
   * snapshots straight from R2 through presigned URLs; without them snapshots stream through the Sandbox object.
   */
  BACKUP_BUCKET_NAME?: string;
  R2_ACCESS_KEY_ID?: string;
  R2_SECRET_ACCESS_KEY?: string;
  CLOUDFLARE_ACCOUNT_ID?: string;
  /** Guards /admin/*. Unset means the admin API is closed. */
  ADMIN_TOKEN?: string;
  /** Base64 of 32 random bytes: the AES-GCM key that encrypts vault secrets at rest. */
  VAULT_ENCRYPTION_KEY?: string;
  ANTHROPIC_BASE_URL: string;
  ANTHROPIC_API_KEY?: string;
  MAX_UPLOAD_BYTES: string;
  /** Idle time (ms) before a cloud sandbox's workspace is snapshotted and the sandbox freed. Default 300000. */
  SANDBOX_IDLE_SNAPSHOT_MS?: string;
  /**
   * GitHub's REST API root, where `github_repository` resources are fetched from. Default https://api.github.com;
   * the end-to-end suites point it at a local stand-in.
   */
  GITHUB_API_URL?: string;
  /** "1" only in the end-to-end harness: enables the hands' test hooks (enqueue a session without the brain). */
  HANDS_TEST_HOOKS?: string;
  /** The console's static files (public/); wrangler.toml [assets]. */
  ASSETS: Fetcher;
  /** Session brain: first retry delay after a retryable model error (doubles per attempt). Default 1000. */
  SESSION_RETRY_BASE_MS?: string;
  /** Session brain: retries of one model call before the turn ends with the error. Default 5. */
  SESSION_MAX_RETRIES?: string;
  /**
   * Work queue: the lease (seconds) a worker holds when it asks for none; a dead worker's item is handed on after
   * this long. Default 300, the hosted API's. The SDK worker heartbeats at half the lease, so shorter is safe.
   */
  WORK_LEASE_TTL_SECONDS?: string;
  /**
   * "1" only in local development and the test stacks: tenant-driven fetches (web_fetch, MCP, webhooks, curl in
   * the isolate) may reach loopback addresses. Never set for a deployment (src/lib/outbound-guard.ts).
   */
  OUTBOUND_ALLOW_LOOPBACK?: string;
  /** This deployment's own hostnames, comma-separated: tenant-driven fetches may not target them. */
  OWN_HOSTNAMES?: string;
  /**
   * "all" (default): one JSON line per request. "errors": only 4xx/5xx and requests slower than 1 s. Local stacks use
   * "errors": under `wrangler dev` every console line is relayed through the inspector to wrangler's Node process,
   * which cost more CPU per request than routing it.
   */
  REQUEST_LOG?: string;
  /** JSON overriding the built-in per-workspace limit defaults for the whole deployment (src/limits/workspace-limits.ts). */
  WORKSPACE_DEFAULT_LIMITS?: string;
}

/** Per-request values set by middleware. */
export interface Variables {
  requestId: string;
  workspaceId: string;
  apiKeyId: string;
  /** The authenticated credential: API key, environment key or sessions token (see middleware/auth). */
  principal: Principal;
  betas: string[];
  /** The workspace's limits in force, for API-key requests (set by middleware/quota.ts). */
  limits?: WorkspaceLimits;
  /** Model tokens the workspace may still use today (API-key requests). */
  modelTokensLeft?: number;
}

export type AppEnv = { Bindings: Env; Variables: Variables };

// Lets `import { env, exports } from "cloudflare:workers"` see our bindings and entrypoints.
declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
    interface GlobalProps {
      mainModule: typeof import("./index");
      durableNamespaces:
        | "SessionDurableObject"
        | "EnvironmentWorkQueue"
        | "DeploymentScheduler"
        | "WebhookDelivery"
        | "SandboxDurableObject"
        | "DreamRunner"
        | "TunnelRelay"
        | "WorkspaceQuota";
    }
  }
}
type Bindings = Env;
