import type { D1Migration } from "cloudflare:test";

// Test-only bindings injected by vitest.config.mts.
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
