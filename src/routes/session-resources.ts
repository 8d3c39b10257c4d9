import { Hono } from "hono";
import type { AppEnv } from "../env";

// Not built yet: see the issue that owns this resource.
export const sessionResourceRoutes = new Hono<AppEnv>();
