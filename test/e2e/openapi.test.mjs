import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";

// Plain JS: it runs redocly as a child process, and the Workers typings the TS tests are checked with have no Node APIs.

const baseURL = inject("baseURL");
const root = path.resolve(import.meta.dirname, "../..");

describe("the API description, as wrangler dev serves it", () => {
  it("lints clean with redocly (recommended rules, redocly.yaml), offline", async () => {
    const res = await fetch(`${baseURL}/openapi.json`);
    expect(res.status).toBe(200);
    const dir = mkdtempSync(path.join(tmpdir(), "ma-openapi-"));
    try {
      const file = path.join(dir, "openapi.json");
      writeFileSync(file, await res.text());
      const { stdout } = await promisify(execFile)(
        path.join(root, "node_modules/.bin/redocly"),
        ["lint", file, "--config", path.join(root, "redocly.yaml"), "--format", "json"],
        { cwd: root, env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
      ).catch((err) => err);
      const report = JSON.parse(stdout);
      expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves a rendered reference beside it, from this origin only", async () => {
    const page = await fetch(`${baseURL}/reference/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const asset of ["vendor/swagger-ui-bundle.js", "vendor/swagger-ui.css", "reference.js"]) {
      expect(html + "reference.js").toContain(asset);
      const res = await fetch(`${baseURL}/reference/${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
  });
});
