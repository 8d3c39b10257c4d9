import { and, eq } from "drizzle-orm";
import type { Env } from "../env";
import type { Database } from "../db/client";
import { type DeploymentRow, deployments } from "../db/schema";
import { notFound } from "../lib/errors";
import { vaultSecretBox } from "../lib/secret-box";
import type { DeploymentResource, DeploymentResourceParam } from "../schemas/deployments";

export async function getDeploymentRow(db: Database, workspaceId: string, deploymentId: string) {
  const [row] = await db
    .select()
    .from(deployments)
    .where(and(eq(deployments.workspaceId, workspaceId), eq(deployments.id, deploymentId)))
    .limit(1);
  return row as DeploymentRow | undefined;
}

/** A deployment of this workspace, or a 404 (another workspace's ids included). */
export async function findDeployment(db: Database, workspaceId: string, deploymentId: string) {
  const row = await getDeploymentRow(db, workspaceId, deploymentId);
  if (!row) throw notFound("deployment", deploymentId);
  return row;
}

/**
 * Splits resources into what is stored in the clear (and rendered) and, when any GitHub
 * token was given, a sealed copy of the full list bound to the deployment row.
 */
export async function storeResources(
  env: Pick<Env, "VAULT_ENCRYPTION_KEY">,
  row: Pick<DeploymentRow, "workspaceId" | "id">,
  resources: DeploymentResourceParam[],
): Promise<{ resources: DeploymentResource[]; sealedResources: string | null }> {
  const visible = resources.map((r) => {
    if (r.type !== "github_repository") return r;
    const { authorization_token: _writeOnly, ...rest } = r;
    return rest;
  });
  const hasSecret = resources.some((r) => r.type === "github_repository" && r.authorization_token);
  return {
    resources: visible,
    sealedResources: hasSecret
      ? await vaultSecretBox(env).seal(JSON.stringify(resources), { workspaceId: row.workspaceId, recordId: row.id })
      : null,
  };
}

/** The resources a session gets, tokens included. */
export async function sessionResources(
  env: Pick<Env, "VAULT_ENCRYPTION_KEY">,
  row: DeploymentRow,
): Promise<DeploymentResourceParam[]> {
  if (!row.sealedResources) return row.resources;
  const box = vaultSecretBox(env);
  return JSON.parse(await box.open(row.sealedResources, { workspaceId: row.workspaceId, recordId: row.id }));
}
