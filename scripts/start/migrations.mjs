// The local D1's migrations, applied before wrangler dev starts.
import { spawnSync } from "node:child_process";
import { root, step, wrangler } from "./config.mjs";

export function applyMigrations() {
  step("applying D1 migrations (local)");
  const result = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CI: "true" },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
