#!/usr/bin/env node
// Copies Swagger UI's standalone bundle (the `swagger-ui-dist` package, no CDN) into public/reference/vendor/, where
// the static assets serve it beside GET /openapi.json. wrangler runs this as the [build] command before every
// `wrangler dev` and `wrangler deploy`, so the copy always matches the locked package version.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const from = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const to = path.join(root, "public", "reference", "vendor");
mkdirSync(to, { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"]) copyFileSync(path.join(from, file), path.join(to, file));
