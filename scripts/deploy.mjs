#!/usr/bin/env node
// `npm run deploy`: one command from a Cloudflare account to a running backend.
// Creates or reuses the D1 database and R2 bucket, applies migrations, sets the required
// secrets (from the environment, or generated), deploys, and prints the URL and a first admin step.
// Needs `wrangler login` (or CLOUDFLARE_API_TOKEN) beforehand.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

const HELP = `npm run deploy -- [options]

Deploys this backend to your Cloudflare account: creates or reuses the D1 database and R2 bucket named in
wrangler.toml, applies the D1 migrations, deploys the Worker, and sets the secrets ADMIN_TOKEN and
VAULT_ENCRYPTION_KEY (generated unless exported; kept if already set) and ANTHROPIC_API_KEY (when exported).
Needs \`npx wrangler login\` (or CLOUDFLARE_API_TOKEN) first.

Options:
  --dry-run   change nothing: build the Worker bundle (wrangler deploy --dry-run), check the config, and print
              what a real run would create, migrate and set
  -h, --help  this help

Environment:
  CLOUD_SANDBOX=container   cloud environments on Cloudflare Containers (Workers Paid; Docker builds the image)

Under Workers Builds (WORKERS_CI set, e.g. the "Deploy to Cloudflare" button) it only migrates and deploys.`;

let options;
try {
  options = parseArgs({
    options: { "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: false,
    strict: true,
  }).values;
} catch (err) {
  console.error(`deploy: ${err.message}\n\n${HELP}`);
  process.exit(2);
}
if (options.help) {
  console.log(HELP);
  process.exit(0);
}
import { containerWranglerToml, dockerProblem } from "../containers/wrangler-config.mjs";

const root = path.resolve(import.meta.dirname, "..");
const wranglerBin = path.join(root, "node_modules", ".bin", "wrangler");
const baseConfig = path.join(root, "wrangler.toml");
// The committed wrangler.toml has a placeholder database id; the deploy config carries the real one.
const deployConfig = path.join(root, "wrangler.deploy.toml");

const step = (message) => console.log(`\x1b[36m›\x1b[0m ${message}`);

function wrangler(args, { input, quiet = false } = {}) {
  const result = spawnSync(wranglerBin, args, {
    cwd: root,
    input,
    encoding: "utf8",
    stdio: [input === undefined ? "inherit" : "pipe", "pipe", quiet ? "pipe" : "inherit"],
  });
  return { ok: result.status === 0, out: result.stdout ?? "", err: result.stderr ?? "" };
}

function listMigrations() {
  return readdirSync(path.join(root, "migrations")).filter((f) => f.endsWith(".sql")).sort();
}

function fail(message) {
  console.error(`\x1b[31m✗\x1b[0m ${message}`);
  process.exit(1);
}

// Under Workers Builds (the "Deploy to Cloudflare" button, or a connected repository) Cloudflare has already
// provisioned D1 and R2 into wrangler.toml and collected the secrets on its setup page: migrate, then deploy.
if (process.env.WORKERS_CI) {
  step("applying D1 migrations (remote)");
  if (!wrangler(["d1", "migrations", "apply", "DB", "--remote"], { input: "y\n" }).ok) fail("migrations failed");
  step("deploying the Worker");
  if (!wrangler(["deploy"]).ok) fail("wrangler deploy failed");
  process.exit(0);
}

// CLOUD_SANDBOX=container: cloud environments on Cloudflare Containers (Workers Paid; the image is built with the
// local Docker engine). Workspace snapshots then go to the same R2 bucket under backups/; with R2 API credentials
// (R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, CLOUDFLARE_ACCOUNT_ID set here) containers move them to and from R2 directly.
const containerMode = process.env.CLOUD_SANDBOX === "container";
if (containerMode) {
  const problem = dockerProblem();
  if (problem) fail(`CLOUD_SANDBOX=container builds the sandbox image with Docker: ${problem}`);
}
const baseToml = readFileSync(baseConfig, "utf8");
const toml = containerMode ? containerWranglerToml(baseToml) : baseToml;
const databaseName = toml.match(/database_name\s*=\s*"([^"]+)"/)?.[1] ?? fail("no database_name in wrangler.toml");
const bucketName = toml.match(/bucket_name\s*=\s*"([^"]+)"/)?.[1] ?? fail("no bucket_name in wrangler.toml");

if (options["dry-run"]) {
  // Nothing that needs an account: the bundle is built and checked, and the plan printed.
  step("building the Worker bundle (wrangler deploy --dry-run)");
  const outdir = path.join(root, ".wrangler", "dry-run");
  const built = wrangler(["deploy", "--dry-run", "--outdir", outdir], { quiet: true });
  if (!built.ok) fail(`the bundle does not build:\n${built.err}${built.out}`);
  const bundle = readFileSync(path.join(outdir, "index.js"));
  const size = `${(bundle.length / 1024).toFixed(0)} KiB, ${(gzipSync(bundle).length / 1024).toFixed(0)} KiB gzipped of the Free plan's 3 MiB`;
  const migrations = listMigrations();
  console.log(`
Dry run: nothing was changed. A real run would:
  1. use the D1 database "${databaseName}" (created if your account has none by that name)
  2. use the R2 bucket "${bucketName}" (created if missing)
  3. apply the D1 migrations not yet applied remotely (${migrations.length} in migrations/: ${migrations[0]} … ${migrations.at(-1)})
  4. deploy the Worker "${toml.match(/^name\s*=\s*"([^"]+)"/m)?.[1]}" (bundle ${size}, in ${path.relative(root, outdir)}/) with the static assets in public/
${containerMode ? "  (CLOUD_SANDBOX=container: the bundle above is checked without the containers block; the real run adds it and builds containers/Dockerfile with Docker)\n" : ""}  5. set secrets: ADMIN_TOKEN (${process.env.ADMIN_TOKEN ? "from your environment" : "generated and printed once, unless already set"}), VAULT_ENCRYPTION_KEY (${process.env.VAULT_ENCRYPTION_KEY ? "from your environment" : "generated, unless already set"}), ANTHROPIC_API_KEY (${process.env.ANTHROPIC_API_KEY ? "from your environment" : "not exported: left as it is"})
`);
  process.exit(0);
}

step(`D1 database "${databaseName}"`);
const list = wrangler(["d1", "list", "--json"], { quiet: true });
if (!list.ok) fail(`wrangler d1 list failed (run \`npx wrangler login\` first):\n${list.err}`);
let databaseId = JSON.parse(list.out).find((db) => db.name === databaseName)?.uuid;
if (!databaseId) {
  const created = wrangler(["d1", "create", databaseName]);
  if (!created.ok) fail("could not create the D1 database");
  databaseId = created.out.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/)?.[0];
  if (!databaseId) fail(`could not read the new database id from:\n${created.out}`);
}
writeFileSync(
  deployConfig,
  `# Generated by scripts/deploy.mjs from wrangler.toml; do not edit.\n` +
    toml.replace(/database_id\s*=\s*"[^"]*"/, `database_id = "${databaseId}"`),
);

step(`R2 bucket "${bucketName}"`);
const bucket = wrangler(["r2", "bucket", "create", bucketName], { quiet: true });
if (!bucket.ok && !/already exists|10004/i.test(bucket.err + bucket.out)) fail(`could not create the R2 bucket:\n${bucket.err}`);

step("applying D1 migrations (remote)");
if (!wrangler(["d1", "migrations", "apply", "DB", "--remote", "-c", deployConfig], { input: "y\n" }).ok) {
  fail("migrations failed");
}

step("deploying the Worker");
const deployed = wrangler(["deploy", "-c", deployConfig]);
if (!deployed.ok) fail("wrangler deploy failed");
process.stdout.write(deployed.out);
const url = deployed.out.match(/https:\/\/\S+\.workers\.dev/)?.[0] ?? "https://<your-worker>.workers.dev";

step("secrets");
const existing = wrangler(["secret", "list", "-c", deployConfig], { quiet: true }).out;
let adminToken;
const optional = containerMode ? ["R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "CLOUDFLARE_ACCOUNT_ID"] : [];
for (const name of ["ADMIN_TOKEN", "VAULT_ENCRYPTION_KEY", "ANTHROPIC_API_KEY", ...optional]) {
  if (existing.includes(`"${name}"`) && !process.env[name]) continue;
  if (optional.includes(name) && !process.env[name]) {
    console.log(`  ${name} not set: workspace snapshots stream through the Sandbox object (set the three R2 ones for direct uploads)`);
    continue;
  }
  let value = process.env[name];
  if (!value && name === "ADMIN_TOKEN") value = adminToken = randomBytes(24).toString("hex");
  if (!value && name === "VAULT_ENCRYPTION_KEY") value = randomBytes(32).toString("base64");
  if (!value) {
    console.log(`  ${name} is not set: export it and re-run, or \`npx wrangler secret put ${name}\``);
    continue;
  }
  if (!wrangler(["secret", "put", name, "-c", deployConfig], { input: value, quiet: true }).ok) fail(`could not set ${name}`);
  console.log(`  ${name} set`);
}

console.log(`
\x1b[32mDeployed: ${url}\x1b[0m
${adminToken ? `  ADMIN_TOKEN (shown once, keep it): ${adminToken}\n` : ""}
First step, create a workspace and its API key:
  curl -X POST ${url}/admin/workspaces -H "authorization: Bearer $ADMIN_TOKEN" \\
       -H "content-type: application/json" -d '{"name":"my-team"}'
`);
