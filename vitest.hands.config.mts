import { defineConfig } from "vitest/config";

/**
 * The hands conformance suite (test/e2e-hands): the same tool scenarios against every backend that runs a session's
 * built-in tools (the isolate sandbox, the official self-hosted EnvironmentWorker, a real Cloudflare Container),
 * through the official SDK and the fake model, on stacks its global setup starts. Node, not workerd.
 */
export default defineConfig({
  test: {
    include: ["test/e2e-hands/**/*.test.ts"],
    globalSetup: ["./test/e2e-hands/global-setup.mjs"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // The global teardown stops up to two stacks; wrangler removes its containers on the way out.
    teardownTimeout: 60_000,
  },
});
