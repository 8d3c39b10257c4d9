// The Worker's entry point when cloud sandboxes run on Cloudflare Containers (the generated container-mode
// wrangler config points `main` here; containers/wrangler-config.mjs). Everything src/index.ts exports, plus the
// container Durable Object class and the outbound proxy entrypoint `@cloudflare/containers` routes container
// egress through. Kept apart from src/index.ts so a Workers Free deployment never loads the sandbox SDK.
export * from "../../index";
export { default } from "../../index";
export { Sandbox } from "./sandbox-object";
export { ContainerProxy } from "@cloudflare/sandbox";
