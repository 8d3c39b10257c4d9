// One file per resource family; drizzle reads them all through this index.
export * from "./tenancy";
export * from "./work";
