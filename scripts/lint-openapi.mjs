#!/usr/bin/env node
// `npm run lint:openapi [-- URL]`: lints a running server's GET /openapi.json with redocly (rules in redocly.yaml).
// Defaults to the `npm start` stack on $PORT (8787). `npm test` runs the same lint in test/e2e/openapi.test.ts.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const url = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? 8787}/openapi.json`;
const res = await fetch(url).catch((err) => {
  console.error(`cannot fetch ${url}: ${err.cause?.message ?? err.message} (is \`npm start\` running?)`);
  process.exit(1);
});
const file = path.join(mkdtempSync(path.join(tmpdir(), "openapi-")), "openapi.json");
writeFileSync(file, await res.text());
const lint = spawnSync(path.join(root, "node_modules/.bin/redocly"), ["lint", file, "--config", path.join(root, "redocly.yaml")], {
  stdio: "inherit",
  env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
});
process.exit(lint.status ?? 1);
