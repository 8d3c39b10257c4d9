import { createMiddleware } from "hono/factory";
import { badRequest } from "../lib/errors";
import type { AppEnv } from "../env";

/** Parses `anthropic-beta` (comma separated, possibly repeated) into `c.var.betas`. */
export const readBetas = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("anthropic-beta") ?? "";
  c.set(
    "betas",
    header
      .split(",")
      .map((b) => b.trim())
      .filter(Boolean),
  );
  await next();
});

/** Beta resources answer only when the request opts in, as the hosted API does. */
export const requireBeta = (beta: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!c.var.betas.includes(beta)) {
      throw badRequest(`this endpoint requires the anthropic-beta header to include "${beta}"`);
    }
    await next();
  });
