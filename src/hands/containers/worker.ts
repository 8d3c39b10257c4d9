// The Worker's entry point when cloud sandboxes run on Cloudflare Containers (the generated container-mode
// wrangler config points `main` here; containers/wrangler-config.mjs). Everything src/index.ts exports, plus the
// container Durable Object class and the outbound proxy entrypoint `@cloudflare/containers` routes container
// egress through. Kept apart from src/index.ts so a Workers Free deployment never loads the sandbox SDK.
import app from "../../index";
import type { Env } from "../../env";
import { benchHook } from "./bench-hooks";

export * from "../../index";
export { Sandbox } from "./sandbox-object";
export { ContainerProxy } from "@cloudflare/sandbox";

// src/index.ts's default export is the Hono app, whose only handler is fetch; one it gains must be forwarded here.
export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    return (await benchHook(request, env)) ?? app.fetch(request, env, ctx);
  },
};
