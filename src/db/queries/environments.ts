import { and, eq } from "drizzle-orm";
import type { BetaEnvironment } from "@anthropic-ai/sdk/resources/beta/environments/environments";
import type { Database } from "../client";
import { type EnvironmentRow, environments } from "../schema";

/** An environment exactly as the API renders it (the SDK's `BetaEnvironment`). */
export type Environment = BetaEnvironment;

export function renderEnvironment(row: EnvironmentRow): Environment {
  return {
    type: "environment",
    id: row.id,
    name: row.name,
    description: row.description,
    config: row.config,
    metadata: row.metadata,
    scope: row.scope,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    archived_at: row.archivedAt,
  };
}

export async function getEnvironmentRow(db: Database, workspaceId: string, environmentId: string) {
  const [row] = await db
    .select()
    .from(environments)
    .where(and(eq(environments.workspaceId, workspaceId), eq(environments.id, environmentId)))
    .limit(1);
  return row as EnvironmentRow | undefined;
}

/**
 * The rendered environment, or `undefined` when it does not exist in the workspace. Archived
 * environments are returned too: callers that must refuse them (new sessions) check `archived_at`.
 */
export async function getEnvironment(
  db: Database,
  workspaceId: string,
  environmentId: string,
): Promise<Environment | undefined> {
  const row = await getEnvironmentRow(db, workspaceId, environmentId);
  return row && renderEnvironment(row);
}
