import type { BetaWebhookEvent, BetaWebhookEventData } from "@anthropic-ai/sdk/resources/beta/webhooks";
import { newId } from "../lib/ids";
import { nowIso } from "../lib/time";

/** Event types that belong to a workspace: their data carries `workspace_id`. */
export const WORKSPACE_EVENT_TYPES = [
  "agent.created",
  "agent.updated",
  "agent.archived",
  "agent.deleted",
  "deployment.created",
  "deployment.updated",
  "deployment.archived",
  "deployment.deleted",
  "deployment.paused",
  "deployment.unpaused",
  "deployment_run.started",
  "deployment_run.succeeded",
  "deployment_run.failed",
  "environment.created",
  "environment.updated",
  "environment.archived",
  "environment.deleted",
  "memory_store.created",
  "memory_store.archived",
  "memory_store.deleted",
  "session.created",
  "session.updated",
  "session.pending",
  "session.running",
  "session.idled",
  "session.requires_action",
  "session.archived",
  "session.deleted",
  "session.budget_reached",
  "session.status_rescheduled",
  "session.status_run_started",
  "session.status_idled",
  "session.status_terminated",
  "session.thread_created",
  "session.thread_idled",
  "session.thread_terminated",
  "session.outcome_evaluation_ended",
  "vault.created",
  "vault.archived",
  "vault.deleted",
  "vault_credential.created",
  "vault_credential.archived",
  "vault_credential.deleted",
  "vault_credential.refresh_failed",
] as const satisfies readonly BetaWebhookEventData["type"][];

/**
 * Organization-level types the SDK's endpoint params list. A self-hosted deployment has no
 * external keys or user profiles, so they never fire; endpoints may still subscribe to them,
 * so code written against the hosted API registers unchanged.
 */
export const ORGANIZATION_EVENT_TYPES = [
  "external_key.failed",
  "external_key.recovered",
  "external_storage.failed",
  "external_storage.recovered",
  "user_profile.enforcement_action_opened",
  "user_profile.enforcement_action_resolved",
  "user_profile.program_status_updated",
] as const satisfies readonly BetaWebhookEventData["type"][];

export const SUBSCRIBABLE_EVENT_TYPES = [...WORKSPACE_EVENT_TYPES, ...ORGANIZATION_EVENT_TYPES] as const;
export type SubscribableEventType = (typeof SUBSCRIBABLE_EVENT_TYPES)[number];
export type WorkspaceEventType = (typeof WORKSPACE_EVENT_TYPES)[number];

// Fails to compile when an SDK upgrade adds an event type this list does not know about.
type Unlisted = Exclude<BetaWebhookEventData["type"], SubscribableEventType>;
const everySdkTypeListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everySdkTypeListed;

/** What a producer says happened: the type, the id of the object it happened to, and where. */
export interface WebhookEventInput {
  workspaceId: string;
  type: WorkspaceEventType;
  /** The object's id (agent, session, deployment run...). Receivers fetch the object itself. */
  id: string;
  /** Extra data fields some types carry, e.g. `session_thread_id` on `session.thread_*`. */
  data?: Record<string, string>;
}

export type WebhookEvent = BetaWebhookEvent;

/**
 * The payload every endpoint receives: the event type and the object's id, never the object
 * (receivers GET it, so a retried delivery never carries stale state). There is no separate
 * organization here, so `organization_id` is the workspace id too.
 */
export function buildEvent(input: WebhookEventInput): WebhookEvent {
  return {
    type: "event",
    id: newId("wevt"),
    created_at: nowIso(),
    data: {
      ...input.data,
      type: input.type,
      id: input.id,
      organization_id: input.workspaceId,
      workspace_id: input.workspaceId,
    } as BetaWebhookEventData,
  };
}
