import { defineConfig } from "vitest/config";
import { quietExpectedNoise } from "./test/helpers/expected-noise.mjs";

quietExpectedNoise();

/**
 * End-to-end tests in Node: the real stack under `wrangler dev` (started by the global setup) driven by the
 * official SDK, including its EnvironmentWorker, exactly as a self-hosted deployment would run it.
 */
export default defineConfig({
  test: {
    // .test.mjs: the suites that need Node APIs (child processes, files), which the Workers-typed TS tests lack.
    include: ["test/e2e/**/*.test.{ts,mjs}"],
    globalSetup: ["./test/e2e/global-setup.mjs"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
