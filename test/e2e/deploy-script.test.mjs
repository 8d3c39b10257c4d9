// `npm run deploy` never surprises: --help and unknown flags change nothing, --dry-run builds and reports without
// an account. Plain JS: it runs the script as a child process. (The real deploy needs a Cloudflare account.)
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const script = path.resolve(import.meta.dirname, "../../scripts/deploy.mjs");
// No account: if the script tried to reach Cloudflare, wrangler would fail and so would the test.
const env = { ...process.env, CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_ACCOUNT_ID: "", WORKERS_CI: "", ADMIN_TOKEN: "" };

async function deploy(args) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, ...args], { env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("npm run deploy", () => {
  it("prints its help and does nothing else", async () => {
    const result = await deploy(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--dry-run");
    expect(result.stdout).not.toContain("D1 database \"");
  });

  it("refuses an unknown flag before doing anything", async () => {
    const result = await deploy(["--prod"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--prod'");
  });

  it("--dry-run builds the bundle and prints the plan without an account", async () => {
    const result = await deploy(["--dry-run"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("nothing was changed");
    expect(result.stdout).toMatch(/KiB gzipped/);
    expect(result.stdout).toContain('D1 database "managed-agents"');
  });
});
