import { defineConfig } from "vitest/config";

/**
 * Cloud sandboxes on real containers: the stack under `wrangler dev` in container mode (containers/wrangler-config.mjs)
 * on a Docker engine, driven by the official SDK. Without an engine the global setup says so in one line and every
 * test skips (on this kind of machine: ../shared/containers-lab/up brings one up).
 */
export default defineConfig({
  test: {
    include: ["test/e2e-containers/**/*.test.ts"],
    globalSetup: ["./test/e2e-containers/global-setup.mjs"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 300_000,
    // The first run builds the project image (cached by the engine afterwards).
    hookTimeout: 900_000,
    // Stopping wrangler lets it remove the containers it started, which takes a while.
    teardownTimeout: 60_000,
  },
});
