import { z } from "zod";
import { memoryAttachmentProblem } from "../sessions/memory-mount-path";
import type {
  BetaManagedAgentsDeployment,
  BetaManagedAgentsDeploymentPausedReason,
  BetaManagedAgentsDeploymentPausedReasonErrorObject,
} from "@anthropic-ai/sdk/resources/beta/deployments";
import type { BetaManagedAgentsDeploymentRun } from "@anthropic-ai/sdk/resources/beta/deployment-runs";
import type { DeploymentRow, DeploymentRunRow } from "../db/schema";
import { pageParams } from "../lib/pagination";
import { CronSyntaxError, isValidTimeZone, nextRuns, parseCron } from "../deployments/cron";
import { booleanQuery, timestampQuery } from "./agents";

// ---- request bodies, mirroring the SDK's Deployment*Params -------------------------------

const agentParam = z.union([
  z.string().min(1),
  z.strictObject({ type: z.literal("agent"), id: z.string().min(1), version: z.number().int().min(1).optional() }),
]);
export type AgentParam = z.infer<typeof agentParam>;

const textBlock = z.strictObject({ type: z.literal("text"), text: z.string() });
const imageBlock = z.strictObject({
  type: z.literal("image"),
  source: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("base64"), data: z.string().min(1), media_type: z.string().min(1) }),
    z.strictObject({ type: z.literal("url"), url: z.url() }),
    z.strictObject({ type: z.literal("file"), file_id: z.string().min(1) }),
  ]),
});
const documentBlock = z.strictObject({
  type: z.literal("document"),
  source: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("base64"), data: z.string().min(1), media_type: z.string().min(1) }),
    z.strictObject({ type: z.literal("text"), data: z.string(), media_type: z.literal("text/plain") }),
    z.strictObject({ type: z.literal("url"), url: z.url() }),
    z.strictObject({ type: z.literal("file"), file_id: z.string().min(1) }),
  ]),
  context: z.string().nullish(),
  title: z.string().nullish(),
});
const redactedBlock = z.strictObject({ type: z.literal("redacted") });

const initialEvent = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("user.message"),
    content: z.array(z.discriminatedUnion("type", [textBlock, imageBlock, documentBlock, redactedBlock])).min(1),
  }),
  z.strictObject({
    type: z.literal("user.define_outcome"),
    description: z.string().min(1),
    rubric: z.discriminatedUnion("type", [
      z.strictObject({ type: z.literal("file"), file_id: z.string().min(1) }),
      z.strictObject({ type: z.literal("text"), content: z.string().min(1) }),
    ]),
    max_iterations: z.number().int().min(1).max(20).nullish(),
  }),
  z.strictObject({ type: z.literal("system.message"), content: z.array(textBlock).min(1) }),
]);
export type DeploymentInitialEvent = z.infer<typeof initialEvent>;

/** 1 to 50 events, and something among them must give the agent work: a message or an outcome. */
const initialEvents = z
  .array(initialEvent)
  .min(1)
  .max(50)
  .refine(
    (events) => events.some((e) => e.type !== "system.message"),
    "must include a user.message or user.define_outcome event to start the session's work",
  );

const resource = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("github_repository"),
    url: z.url({ protocol: /^https$/ }),
    authorization_token: z.string().min(1).optional(),
    checkout: z
      .discriminatedUnion("type", [
        z.strictObject({ type: z.literal("branch"), name: z.string().min(1) }),
        z.strictObject({ type: z.literal("commit"), sha: z.string().regex(/^[0-9a-f]{40}$/i, "must be a full commit SHA") }),
      ])
      .nullish(),
    mount_path: z.string().min(1).nullish(),
  }),
  z.strictObject({ type: z.literal("file"), file_id: z.string().min(1), mount_path: z.string().min(1).nullish() }),
  z.strictObject({
    type: z.literal("memory_store"),
    memory_store_id: z.string().min(1),
    access: z.enum(["read_write", "read_only"]).nullish(),
    instructions: z.string().max(4096).nullish(),
  }),
]);
/** A resource as given, write-only token included. Only the session starter ever sees it. */
export type DeploymentResourceParam = z.infer<typeof resource>;
/** A resource as stored and rendered: the same minus `authorization_token`. */
export type DeploymentResource = Exclude<DeploymentResourceParam, { type: "github_repository" }> | Omit<Extract<DeploymentResourceParam, { type: "github_repository" }>, "authorization_token">;

// The sessions a deployment starts must be able to take its memory stores.
const resources = z
  .array(resource)
  .max(500)
  .superRefine((list, ctx) => {
    const problem = memoryAttachmentProblem(list.flatMap((r) => (r.type === "memory_store" ? [r.memory_store_id] : [])));
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
const vaultIds = z
  .array(z.string().min(1))
  .max(50)
  .refine((ids) => new Set(ids).size === ids.length, "must not list a vault twice");

const budget = z.strictObject({
  type: z.literal("limit"),
  max_list_cost: z.strictObject({
    amount: z.string().regex(/^(0|[1-9][0-9]*)$/, "must be an integer amount in minor units, e.g. \"2500\" for $25.00"),
    currency: z.literal("USD"),
  }),
});
export type DeploymentBudget = z.infer<typeof budget>;

export const schedule = z
  .strictObject({ type: z.literal("cron"), expression: z.string().min(1), timezone: z.string().min(1) })
  .superRefine((s, ctx) => {
    if (!isValidTimeZone(s.timezone)) {
      ctx.addIssue({ code: "custom", path: ["timezone"], message: `"${s.timezone}" is not an IANA timezone` });
      return;
    }
    try {
      if (!nextRuns(parseCron(s.expression), s.timezone, Date.now()).length) {
        ctx.addIssue({ code: "custom", path: ["expression"], message: "never matches a date that exists" });
      }
    } catch (err) {
      if (!(err instanceof CronSyntaxError)) throw err;
      ctx.addIssue({ code: "custom", path: ["expression"], message: err.message });
    }
  });
export type StoredSchedule = z.infer<typeof schedule>;

const metadata = z.record(z.string(), z.string());
const name = z.string().min(1).max(256);
const description = z.string().max(2048);

export const deploymentCreateParams = z.strictObject({
  name,
  agent: agentParam,
  environment_id: z.string().min(1),
  initial_events: initialEvents,
  description: description.nullish(),
  metadata: metadata.optional(),
  resources: resources.optional(),
  vault_ids: vaultIds.optional(),
  schedule: schedule.nullish(),
  budget: budget.nullish(),
});
export type DeploymentCreateParams = z.infer<typeof deploymentCreateParams>;

/** Omit a field to keep it. `null` clears the fields that can be cleared; the others cannot be null. */
export const deploymentUpdateParams = z.strictObject({
  name: name.optional(),
  agent: agentParam.optional(),
  environment_id: z.string().min(1).optional(),
  initial_events: initialEvents.optional(),
  description: description.nullish(),
  metadata: z.record(z.string(), z.string().nullable()).nullish(),
  resources: resources.nullish(),
  vault_ids: vaultIds.nullish(),
  schedule: schedule.nullish(),
  budget: budget.nullish(),
});
export type DeploymentUpdateParams = z.infer<typeof deploymentUpdateParams>;

export const deploymentListQuery = pageParams
  .extend({
    agent_id: z.string().min(1).optional(),
    status: z.enum(["active", "paused"]).optional(),
    include_archived: booleanQuery.optional(),
    "created_at[gte]": timestampQuery.optional(),
    "created_at[lte]": timestampQuery.optional(),
  })
  .refine((q) => !(q.include_archived && q.status), {
    path: ["status"],
    message: "cannot be combined with include_archived",
  });

export const deploymentRunListQuery = pageParams.extend({
  deployment_id: z.string().min(1).optional(),
  trigger_type: z.enum(["schedule", "manual"]).optional(),
  has_error: booleanQuery.optional(),
  "created_at[gt]": timestampQuery.optional(),
  "created_at[gte]": timestampQuery.optional(),
  "created_at[lt]": timestampQuery.optional(),
  "created_at[lte]": timestampQuery.optional(),
});

// ---- stored and rendered shapes ----------------------------------------------------------

export type Deployment = BetaManagedAgentsDeployment;
export type DeploymentRun = BetaManagedAgentsDeploymentRun;
export type DeploymentPausedReason = BetaManagedAgentsDeploymentPausedReason;
export type RunAgent = DeploymentRun["agent"];
export type RunError = NonNullable<DeploymentRun["error"]>;
export type RunErrorType = RunError["type"];

/** Run errors that pause a scheduled deployment: retrying on schedule would fail the same way until someone acts. */
export type PausingErrorType = BetaManagedAgentsDeploymentPausedReasonErrorObject["type"];
const NON_PAUSING: ReadonlySet<RunErrorType> = new Set(["session_rate_limited_error", "session_creation_rejected_error"]);
export const pausesDeployment = (type: RunErrorType): type is PausingErrorType => !NON_PAUSING.has(type);

/** How many upcoming fire times a deployment shows. */
const UPCOMING = 5;

/** `now` is a parameter so a list renders every row against the same instant. */
export function renderDeployment(row: DeploymentRow, now = Date.now()): Deployment {
  return {
    type: "deployment",
    id: row.id,
    name: row.name,
    description: row.description,
    agent: { type: "agent", id: row.agentId, version: row.agentVersion },
    environment_id: row.environmentId,
    initial_events: row.initialEvents as Deployment["initial_events"],
    resources: row.resources as Deployment["resources"],
    vault_ids: row.vaultIds,
    metadata: row.metadata,
    schedule: row.schedule && {
      ...row.schedule,
      last_run_at: row.lastRunAt,
      // Empty once archived; a paused deployment still shows what it would do if unpaused.
      upcoming_runs_at: row.archivedAt
        ? []
        : nextRuns(parseCron(row.schedule.expression), row.schedule.timezone, now, UPCOMING).map((t) => new Date(t).toISOString()),
    },
    status: row.status,
    paused_reason: row.status === "paused" ? row.pausedReason : null,
    ...(row.budget && { budget: row.budget }),
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    archived_at: row.archivedAt,
  };
}

export function renderRun(row: DeploymentRunRow): DeploymentRun {
  return {
    type: "deployment_run",
    id: row.id,
    deployment_id: row.deploymentId,
    agent: row.agent,
    trigger_context:
      row.triggerType === "schedule" ? { type: "schedule", scheduled_at: row.scheduledAt! } : { type: "manual" },
    session_id: row.sessionId,
    error: row.error,
    created_at: row.createdAt,
  };
}
