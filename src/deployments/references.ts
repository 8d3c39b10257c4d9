import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { files, vaults } from "../db/schema";
import { getAgentRows } from "../db/queries/agents";
import { getEnvironmentRow } from "../db/queries/environments";
import { ApiError, badRequest, codedBadRequest, codedNotFound, notFound } from "../lib/errors";
import type { AgentParam, DeploymentResource, RunAgent, RunErrorType } from "../schemas/deployments";

/** What a deployment points at; each must exist in the workspace (and be live) to create a session. */
export interface DeploymentReferences {
  agent: RunAgent;
  environmentId: string;
  vaultIds: string[];
  resources: DeploymentResource[];
}

/** The first broken reference: its run error type, the request field it came from, and why. */
export interface BrokenReference {
  type: RunErrorType;
  field: string;
  missing: boolean;
  message: string;
}

/**
 * Checks a deployment's references, in the order a session would need them; absent ones are
 * not checked (an update checks what it changes). Used with the same rules when a deployment
 * is written (a broken reference is the caller's error) and when it fires (it becomes the
 * run's error, and may pause the schedule).
 */
export async function findBrokenReference(
  db: Database,
  workspaceId: string,
  refs: Partial<DeploymentReferences>,
): Promise<BrokenReference | undefined> {
  if (refs.agent) {
    const { id, version } = refs.agent;
    const agent = await getAgentRows(db, workspaceId, id, version);
    // There is no agent-not-found run error; the API's generic one for a vanished reference is this.
    if (!agent) return broken("session_resource_not_found_error", "agent", true, `agent ${id} version ${version} not found`);
    if (agent.agent.archivedAt) return broken("agent_archived_error", "agent", false, `agent ${id} is archived`);
  }

  const environment = refs.environmentId ? await getEnvironmentRow(db, workspaceId, refs.environmentId) : undefined;
  if (refs.environmentId && !environment) {
    return broken("environment_not_found_error", "environment_id", true, `environment ${refs.environmentId} not found`);
  }
  if (environment?.archivedAt) {
    return broken("environment_archived_error", "environment_id", false, `environment ${refs.environmentId} is archived`);
  }
  const resources = refs.resources ?? [];
  if (environment?.configType === "self_hosted" && resources.length) {
    return broken(
      "self_hosted_resources_unsupported_error",
      "resources",
      false,
      `environment ${refs.environmentId} is self-hosted and cannot mount resources`,
    );
  }

  if (refs.vaultIds?.length) {
    const found = await db
      .select({ id: vaults.id, archivedAt: vaults.archivedAt })
      .from(vaults)
      .where(and(eq(vaults.workspaceId, workspaceId), inArray(vaults.id, refs.vaultIds)));
    const byId = new Map(found.map((v) => [v.id, v]));
    for (const [i, id] of refs.vaultIds.entries()) {
      const vault = byId.get(id);
      if (!vault) return broken("vault_not_found_error", `vault_ids.${i}`, true, `vault ${id} not found`);
      if (vault.archivedAt) return broken("vault_archived_error", `vault_ids.${i}`, false, `vault ${id} is archived`);
    }
  }

  const fileIds = resources.flatMap((r) => (r.type === "file" ? [r.file_id] : []));
  if (fileIds.length) {
    const found = await db
      .select({ id: files.id })
      .from(files)
      .where(and(eq(files.workspaceId, workspaceId), inArray(files.id, fileIds)));
    const known = new Set(found.map((f) => f.id));
    const i = resources.findIndex((r) => r.type === "file" && !known.has(r.file_id));
    if (i >= 0) {
      const fileId = (resources[i] as { file_id: string }).file_id;
      return broken("file_not_found_error", `resources.${i}.file_id`, true, `file ${fileId} not found`);
    }
  }
  // Memory stores are not part of this deployment of the API yet; the session plane checks them.
  return undefined;
}

const broken = (type: RunErrorType, field: string, missing: boolean, message: string): BrokenReference => ({
  type,
  field,
  missing,
  message,
});

/** A broken reference in a request body: 404 for what does not exist, 400 for what cannot be used. */
export function referenceError(ref: BrokenReference): ApiError {
  if (ref.type === "environment_not_found_error") {
    return codedNotFound("environment_not_found", ref.message);
  }
  if (ref.type === "environment_archived_error") return codedBadRequest("environment_archived", `${ref.field}: ${ref.message}`);
  if (ref.missing) return new ApiError("not_found_error", ref.message);
  return badRequest(`${ref.field}: ${ref.message}`);
}

/** An `agent` param pinned to a concrete version: the id string or an object without version means the latest. */
export async function pinAgent(db: Database, workspaceId: string, param: AgentParam): Promise<RunAgent> {
  const id = typeof param === "string" ? param : param.id;
  const version = typeof param === "string" ? undefined : param.version;
  const row = await getAgentRows(db, workspaceId, id, version);
  if (!row) {
    throw version !== undefined && (await getAgentRows(db, workspaceId, id))
      ? notFound("agent version", `${id} version ${version}`)
      : notFound("agent", id);
  }
  return { type: "agent", id: row.agent.id, version: row.version.version };
}
