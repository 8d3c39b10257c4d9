import type { BetaCloudConfig } from "@anthropic-ai/sdk/resources/beta/environments/environments";
import { database } from "../db/client";
import { getEnvironment } from "../db/queries/environments";

/** Shapes of the SDK's `BetaCloudConfig`: what a cloud sandbox is provisioned with. */
export type NetworkPolicy = BetaCloudConfig["networking"] | { type: "limited"; allowed_hosts?: string[] | null; allow_package_managers?: boolean | null; allow_mcp_servers?: boolean | null };
export type PackageSpec = Partial<Record<"apt" | "cargo" | "gem" | "go" | "npm" | "pip", string[] | null>>;

/** What the hands need to know about an environment: its kind and, for `cloud`, its sandbox's packages and network. */
export interface HandsEnvironment {
  id: string;
  workspaceId: string;
  type: "cloud" | "self_hosted";
  networking: NetworkPolicy;
  packages: PackageSpec;
  archivedAt: string | null;
}

/** The environment, scoped to its workspace (archived ones included: a running session keeps its hands), or null. */
export async function findEnvironment(db: D1Database, workspaceId: string, id: string): Promise<HandsEnvironment | null> {
  const environment = await getEnvironment(database(db), workspaceId, id);
  if (!environment) return null;
  const { config } = environment;
  return {
    id: environment.id,
    workspaceId,
    type: config.type,
    networking: config.type === "cloud" ? config.networking : { type: "unrestricted" },
    packages: config.type === "cloud" ? config.packages : {},
    archivedAt: environment.archived_at,
  };
}
