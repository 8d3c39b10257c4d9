// `.dev.vars`: the local Worker's secrets (admin token, vault key, model key), generated on first start.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { devVars, step } from "./config.mjs";

export function ensureDevVars() {
  if (existsSync(devVars)) return;
  step("writing .dev.vars with a fresh ADMIN_TOKEN and VAULT_ENCRYPTION_KEY (local only)");
  writeFileSync(
    devVars,
    [
      `ADMIN_TOKEN=${randomBytes(24).toString("hex")}`,
      `VAULT_ENCRYPTION_KEY=${randomBytes(32).toString("base64")}`,
      process.env.ANTHROPIC_API_KEY ? `ANTHROPIC_API_KEY=${process.env.ANTHROPIC_API_KEY}` : "",
    ]
      .filter(Boolean)
      .join("\n") + "\n",
  );
}

export function readDevVars() {
  return Object.fromEntries(
    readFileSync(devVars, "utf8")
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}
