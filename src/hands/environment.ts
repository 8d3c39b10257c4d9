/**
 * What the hands need to know about an environment: its kind and, for `cloud`, the packages and network
 * policy of its sandbox. Shapes follow the SDK's `BetaCloudConfig`.
 */
export type NetworkPolicy =
  | { type: "unrestricted" }
  | { type: "limited"; allowed_hosts?: string[] | null; allow_package_managers?: boolean | null; allow_mcp_servers?: boolean | null };

export interface PackageSpec {
  apt?: string[] | null;
  cargo?: string[] | null;
  gem?: string[] | null;
  go?: string[] | null;
  npm?: string[] | null;
  pip?: string[] | null;
}

export interface HandsEnvironment {
  id: string;
  workspaceId: string;
  type: "cloud" | "self_hosted";
  networking: NetworkPolicy;
  packages: PackageSpec;
  archivedAt: string | null;
}

interface EnvironmentRow {
  id: string;
  workspace_id: string;
  config_type: "cloud" | "self_hosted";
  config: string;
  archived_at: string | null;
}

/**
 * Loads an environment scoped to its workspace, or null. Reads the `environments` table the environments
 * resource owns (`config_type` + JSON `config`) directly so the hands do not depend on its route code.
 */
export async function findEnvironment(db: D1Database, workspaceId: string, id: string): Promise<HandsEnvironment | null> {
  const row = await db
    .prepare("SELECT id, workspace_id, config_type, config, archived_at FROM environments WHERE workspace_id = ? AND id = ?")
    .bind(workspaceId, id)
    .first<EnvironmentRow>();
  if (!row) return null;
  const config = (typeof row.config === "string" ? JSON.parse(row.config) : row.config) ?? {};
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    type: row.config_type,
    networking: config.networking ?? { type: "unrestricted" },
    packages: config.packages ?? {},
    archivedAt: row.archived_at,
  };
}
