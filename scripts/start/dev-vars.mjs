// `.dev.vars`: the local Worker's secrets (admin token, vault key, model key). The admin token and vault key are
// generated once; ANTHROPIC_API_KEY follows the environment on every start where it is set (an empty value
// goes back to demo mode), so a key exported after a demo start takes effect on the next one.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { devVars, step } from "./config.mjs";

export function readDevVars() {
  if (!existsSync(devVars)) return {};
  return Object.fromEntries(
    readFileSync(devVars, "utf8")
      .split("\n")
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

function writeDevVars(vars) {
  const lines = Object.entries(vars)
    .filter(([, value]) => value)
    .map(([key, value]) => `${key}=${value}`);
  writeFileSync(devVars, lines.join("\n") + "\n", { mode: 0o600 });
}

/** Makes sure the secrets exist, and that ANTHROPIC_API_KEY is the environment's when it has one. */
export function ensureDevVars() {
  const vars = readDevVars();
  let changed = false;
  if (!vars.ADMIN_TOKEN || !vars.VAULT_ENCRYPTION_KEY) {
    step("writing .dev.vars with a fresh ADMIN_TOKEN and VAULT_ENCRYPTION_KEY (local only)");
    vars.ADMIN_TOKEN ||= randomBytes(24).toString("hex");
    vars.VAULT_ENCRYPTION_KEY ||= randomBytes(32).toString("base64");
    changed = true;
  }
  const fromEnv = process.env.ANTHROPIC_API_KEY;
  if (fromEnv !== undefined && fromEnv !== (vars.ANTHROPIC_API_KEY ?? "")) {
    vars.ANTHROPIC_API_KEY = fromEnv;
    changed = true;
  }
  if (changed) writeDevVars(vars);
  return vars;
}
