// One file per resource family; drizzle reads them all through this index.
export * from "./tenancy";
export * from "./agents";
export * from "./environments";
export * from "./vaults";
export * from "./files";
export * from "./skills";
export * from "./memory";
export * from "./webhooks";
export * from "./deployments";
export * from "./work";
export * from "./sessions";
export * from "./dreams";
export * from "./tunnels";
export * from "./limits";
