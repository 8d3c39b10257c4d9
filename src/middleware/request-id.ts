import { createMiddleware } from "hono/factory";
import { newId } from "../lib/ids";
import type { AppEnv } from "../env";

/** Every response carries a `request-id` header; error bodies repeat it. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const id = newId("req");
  c.set("requestId", id);
  c.header("request-id", id);
  await next();
});
