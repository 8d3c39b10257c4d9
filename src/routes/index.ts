import { Hono } from "hono";
import type { AppEnv } from "../env";
import { jsonBody } from "../middleware/json-body";
import { agentRoutes } from "./agents";
import { environmentRoutes } from "./environments";
import { environmentWorkRoutes } from "./environment-work";
import { environmentKeyRoutes } from "./environment-keys";
import { vaultRoutes } from "./vaults";
import { credentialRoutes } from "./credentials";
import { fileRoutes } from "./files";
import { skillRoutes } from "./skills";
import { sessionRoutes } from "./sessions";
import { sessionEventRoutes } from "./session-events";
import { sessionResourceRoutes } from "./session-resources";
import { memoryStoreRoutes } from "./memory-stores";
import { memoryRoutes } from "./memories";
import { memoryVersionRoutes } from "./memory-versions";

/** Every public resource, one file each. Paths are the SDK's, under /v1. */
export const v1Routes = new Hono<AppEnv>();

v1Routes.use("*", jsonBody);
v1Routes.route("/agents", agentRoutes);
v1Routes.route("/environments", environmentWorkRoutes);
v1Routes.route("/environments", environmentKeyRoutes);
v1Routes.route("/environments", environmentRoutes);
v1Routes.route("/vaults", credentialRoutes);
v1Routes.route("/vaults", vaultRoutes);
v1Routes.route("/files", fileRoutes);
v1Routes.route("/skills", skillRoutes);
v1Routes.route("/sessions", sessionEventRoutes);
v1Routes.route("/sessions", sessionResourceRoutes);
v1Routes.route("/sessions", sessionRoutes);
v1Routes.route("/memory_stores", memoryRoutes);
v1Routes.route("/memory_stores", memoryVersionRoutes);
v1Routes.route("/memory_stores", memoryStoreRoutes);
