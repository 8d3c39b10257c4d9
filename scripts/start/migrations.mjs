// The local D1's migrations, applied before wrangler dev starts. wrangler prints a table per migration: that goes
// to the log file, the terminal gets one line.
import { spawnSync } from "node:child_process";
import { log, logFile, root, step, wrangler } from "./config.mjs";

export function applyMigrations() {
  const result = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  log(`$ wrangler d1 migrations apply DB --local\n${result.stdout}${result.stderr}\n`);
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    console.error(`applying the D1 migrations failed (full output in ${logFile})`);
    process.exit(result.status ?? 1);
  }
  // One table per migration, each repeating the ones before: count the distinct files marked applied.
  const applied = new Set([...result.stdout.matchAll(/(\d{4}_[\w.-]+\.sql)\s*│\s*✅/g)].map((m) => m[1])).size;
  step(applied ? `applied ${applied} D1 migration${applied === 1 ? "" : "s"} (local)` : "D1 schema up to date (local)");
}
