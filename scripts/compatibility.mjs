#!/usr/bin/env node
// Writes docs/compatibility.md from test/contract/compatibility.mjs for the installed @anthropic-ai/sdk.
// test/contract/sdk-coverage.test.ts fails until the file matches, so run this after changing the table.
import { readFileSync, writeFileSync } from "node:fs";
import { renderCompatibility } from "../test/contract/compatibility.mjs";

const root = new URL("..", import.meta.url);
const { version } = JSON.parse(readFileSync(new URL("node_modules/@anthropic-ai/sdk/package.json", root), "utf8"));
writeFileSync(new URL("docs/compatibility.md", root), renderCompatibility(version));
console.log(`docs/compatibility.md written for @anthropic-ai/sdk ${version}`);
