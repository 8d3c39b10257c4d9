import { z } from "zod";
import type {
  BetaCloudConfig,
  BetaLimitedNetwork,
  BetaPackages,
  BetaSelfHostedConfig,
  BetaUnrestrictedNetwork,
} from "@anthropic-ai/sdk/resources/beta/environments/environments";
import { badRequest, codedBadRequest } from "../lib/errors";
import { pageParams } from "../lib/pagination";
import { booleanQuery, checkMetadata } from "./agents";

/**
 * Request schemas for `/v1/environments` (mirroring the SDK's `Environment*Params`) and the
 * resolution of a `config` param into the complete config the response type requires.
 */

const PACKAGE_MANAGERS = ["apt", "cargo", "gem", "go", "npm", "pip"] as const;
type PackageManager = (typeof PACKAGE_MANAGERS)[number];

const packageList = z.array(z.string().min(1).max(256).regex(/^\S+$/, "must not contain whitespace")).max(1000);
const host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[^\s/:]+(:\d+)?$/, "must be a host name (no scheme or path)");

const networkingParams = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("unrestricted") }),
  z.strictObject({
    type: z.literal("limited"),
    allow_mcp_servers: z.boolean().nullish(),
    allow_package_managers: z.boolean().nullish(),
    allowed_hosts: z.array(host).max(256).nullish(),
  }),
]);

const packagesParams = z.strictObject({
  type: z.literal("packages").optional(),
  ...(Object.fromEntries(PACKAGE_MANAGERS.map((m) => [m, packageList.nullish()])) as Record<
    PackageManager,
    z.ZodOptional<z.ZodNullable<typeof packageList>>
  >),
});

export const environmentConfigParams = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("cloud"),
    networking: networkingParams.nullish(),
    packages: packagesParams.nullish(),
  }),
  z.strictObject({ type: z.literal("self_hosted") }),
]);
type EnvironmentConfigParams = z.infer<typeof environmentConfigParams>;

export type EnvironmentConfig = BetaCloudConfig | BetaSelfHostedConfig;

// API organizations get only `organization` scope; `account` belongs to per-user (Claude app) orgs.
const scope = z
  .enum(["organization", "account"])
  .refine((s) => s === "organization", "only 'organization' is supported for API workspaces");

const name = z
  .string()
  .max(256)
  .refine((s) => s.trim().length > 0, "must not be empty");

export const environmentCreateParams = z.strictObject({
  name,
  config: environmentConfigParams.nullish(),
  description: z.string().max(2048).nullish(),
  metadata: z.record(z.string(), z.string()).optional(),
  scope: scope.nullish(),
});

export const environmentUpdateParams = z.strictObject({
  name: name.nullish(),
  config: environmentConfigParams.nullish(),
  description: z.string().max(2048).nullish(),
  metadata: z.record(z.string(), z.string().nullable()).optional(),
  scope: scope.nullish(),
});
export type EnvironmentUpdateParams = z.infer<typeof environmentUpdateParams>;

export const environmentListQuery = pageParams.extend({ include_archived: booleanQuery.optional() });

const UNRESTRICTED: BetaUnrestrictedNetwork = { type: "unrestricted" };

/**
 * The complete config: from defaults on create (`current` undefined), or merged into the
 * stored one on update, where an omitted (or null) field keeps its value. The type is fixed
 * at creation.
 */
export function resolveEnvironmentConfig(
  params: EnvironmentConfigParams | null | undefined,
  current?: EnvironmentConfig,
): EnvironmentConfig {
  if (params == null) return current ?? { type: "cloud", networking: UNRESTRICTED, packages: resolvePackages(null) };
  if (current && current.type !== params.type) {
    throw codedBadRequest("invalid_config_type_change", `config.type: cannot change from "${current.type}" to "${params.type}" after creation`);
  }
  if (params.type === "self_hosted") return { type: "self_hosted" };

  const stored = current?.type === "cloud" ? current : undefined;
  const networking = resolveNetworking(params.networking, stored?.networking);
  const packages = resolvePackages(params.packages, stored?.packages);
  const anyPackages = PACKAGE_MANAGERS.some((m) => packages[m].length > 0);
  if (networking.type === "limited" && !networking.allow_package_managers && anyPackages) {
    throw badRequest("config.packages: under limited networking, packages require networking.allow_package_managers to be true");
  }
  return { type: "cloud", networking, packages };
}

function resolveNetworking(
  params: z.infer<typeof networkingParams> | null | undefined,
  stored: BetaCloudConfig["networking"] | undefined,
): BetaCloudConfig["networking"] {
  if (params == null) return stored ?? UNRESTRICTED;
  if (params.type === "unrestricted") return UNRESTRICTED;
  const base: Partial<BetaLimitedNetwork> = stored?.type === "limited" ? stored : {};
  return {
    type: "limited",
    allow_mcp_servers: params.allow_mcp_servers ?? base.allow_mcp_servers ?? false,
    allow_package_managers: params.allow_package_managers ?? base.allow_package_managers ?? false,
    allowed_hosts: params.allowed_hosts ?? base.allowed_hosts ?? [],
  };
}

function resolvePackages(params: z.infer<typeof packagesParams> | null | undefined, stored?: BetaPackages): BetaPackages {
  const packages = { type: "packages" } as BetaPackages;
  for (const manager of PACKAGE_MANAGERS) packages[manager] = params?.[manager] ?? stored?.[manager] ?? [];
  return packages;
}

/** Environment metadata patches delete a key on `null` or `""`. */
export function patchEnvironmentMetadata(current: Record<string, string>, patch: Record<string, string | null> | undefined) {
  const next = { ...current };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null || value === "") delete next[key];
    else next[key] = value;
  }
  return checkMetadata(next);
}
