import { and, eq } from "drizzle-orm";
import type {
  BetaOrganizationWebhookEndpoint,
} from "@anthropic-ai/sdk/resources/beta/organization/webhooks";
import type { Database } from "../db/client";
import { type WebhookEndpointRow, webhookEndpoints } from "../db/schema";
import { notFound } from "../lib/errors";
import type { SecretBox } from "../lib/secret-box";
import { ORGANIZATION_EVENT_TYPES, type WorkspaceEventType } from "./events";

/** At most this many endpoints per workspace, enabled or disabled (the hosted per-organization limit). */
export const MAX_ENDPOINTS = 32;

/**
 * The SDK's endpoint shape, plus this server's `workspace_events`: the workspace-level subscriptions, kept out of
 * `enabled_events` so that field holds only the organization-level types the SDK lists.
 */
export type WebhookEndpoint = BetaOrganizationWebhookEndpoint & { workspace_events: WorkspaceEventType[] };

const ORGANIZATION = new Set<string>(ORGANIZATION_EVENT_TYPES);
/** The organization-level part of a stored subscription list (`enabled_events`). */
export const organizationEvents = (types: string[]) =>
  types.filter((t) => ORGANIZATION.has(t)) as BetaOrganizationWebhookEndpoint["enabled_events"];
/** The workspace-level part of a stored subscription list (`workspace_events`). */
export const workspaceEvents = (types: string[]) => types.filter((t) => !ORGANIZATION.has(t)) as WorkspaceEventType[];

export function renderEndpoint(row: WebhookEndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    name: row.name,
    description: row.description,
    enabled_events: organizationEvents(row.enabledEvents),
    workspace_events: workspaceEvents(row.enabledEvents),
    state: row.state,
    disabled_reason: row.disabledReason,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** An endpoint of this workspace, or a 404 (another workspace's ids included). */
export async function findEndpoint(db: Database, workspaceId: string, endpointId: string) {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.workspaceId, workspaceId), eq(webhookEndpoints.id, endpointId)))
    .limit(1);
  if (!row) throw notFound("webhook endpoint", endpointId);
  return row;
}

/** The workspace's enabled endpoints and what each subscribes to. A workspace has at most 32. */
export async function enabledEndpoints(db: Database, workspaceId: string) {
  const rows = await db
    .select({ id: webhookEndpoints.id, enabledEvents: webhookEndpoints.enabledEvents })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.workspaceId, workspaceId), eq(webhookEndpoints.state, "enabled")));
  return rows.map((row) => ({ id: row.id, enabledEvents: row.enabledEvents as string[] }));
}

/** The workspace's enabled endpoints that subscribe to `type`, filtered here (cheap at 32 at most). */
export async function subscribedEndpoints(db: Database, workspaceId: string, type: string) {
  return (await enabledEndpoints(db, workspaceId)).filter((row) => row.enabledEvents.includes(type)).map((row) => row.id);
}

/** Secrets are bound to their endpoint row: an envelope copied to another row does not open. */
const binding = (row: Pick<WebhookEndpointRow, "workspaceId" | "id">) => ({ workspaceId: row.workspaceId, recordId: row.id });

export const sealSigningSecret = (box: SecretBox, row: Pick<WebhookEndpointRow, "workspaceId" | "id">, secret: string) =>
  box.seal(secret, binding(row));

export const openSigningSecret = (box: SecretBox, row: Pick<WebhookEndpointRow, "workspaceId" | "id" | "signingSecret">) =>
  box.open(row.signingSecret, binding(row));
