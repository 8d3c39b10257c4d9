import { defineConfig } from "vitest/config";
import { quietExpectedNoise } from "./test/helpers/expected-noise.mjs";

quietExpectedNoise();

/**
 * The console in a real browser: `wrangler dev` with the fake model (started by the global setup), driven
 * through Debian's chromium with playwright-core. Node, not workerd. Run with
 *   npx vitest run --config vitest.browser.config.mts
 */
export default defineConfig({
  test: {
    include: ["test/e2e-browser/**/*.e2e.test.ts"],
    globalSetup: ["./test/e2e-browser/global-setup.mjs"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
