import path from "node:path";
import { defineConfig } from "vitest/config";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { handleFakeModelRequest } from "./test/fake-model/model.mjs";
import { TEST_DEFAULT_LIMITS } from "./test/helpers/test-limits.mjs";
import { quietExpectedNoise } from "./test/helpers/expected-noise.mjs";

quietExpectedNoise();

const FAKE_MODEL_HOST = "fake-model.test";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token",
            // 32 zero bytes, base64: a fixed key so tests are reproducible. Never used outside tests.
            VAULT_ENCRYPTION_KEY: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            // 8 MiB instead of 500 MiB, so tests can cross the upload limit (and R2's 5 MiB part size) cheaply.
            MAX_UPLOAD_BYTES: "8388608",
            // The session brain calls the scripted fake model (test/fake-model), never the network.
            ANTHROPIC_BASE_URL: `http://${FAKE_MODEL_HOST}`,
            ANTHROPIC_API_KEY: "test-model-key",
            SESSION_RETRY_BASE_MS: "20",
            // Tests share workspaces across many quick calls: generous defaults, and the limits tests set their own.
            WORKSPACE_DEFAULT_LIMITS: TEST_DEFAULT_LIMITS,
          },
          // Outbound fetches from the Worker and its Durable Objects: the fake model answers its host.
          outboundService: (request: Request) =>
            new URL(request.url).hostname === FAKE_MODEL_HOST ? handleFakeModelRequest(request) : fetch(request),
        },
      }),
    ],
    // wrangler.toml's [alias], which the pool does not read: just-bash's minimatch becomes the linear matcher.
    resolve: { alias: { minimatch: path.join(import.meta.dirname, "src/lib/minimatch-linear.ts") } },
    test: {
      include: ["test/**/*.test.ts"],
      // test/e2e and test/e2e-browser run in Node against wrangler dev (vitest.e2e.config.mts, vitest.browser.config.mts).
      exclude: ["test/e2e/**", "test/e2e-browser/**", "test/e2e-hands/**", "**/node_modules/**"],
      setupFiles: ["./test/setup/apply-migrations.ts"],
      testTimeout: 30_000,
      // Request logs are for production; in test output they bury the failures.
      onConsoleLog: (log: string) => !log.includes('"msg":"request"'),
    },
  };
});
