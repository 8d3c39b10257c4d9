// Which Messages API the session brain calls, decided the way wrangler resolves the Worker's variables
// (--var over .dev.vars over wrangler.toml [vars]): the real one when ANTHROPIC_API_KEY is set (in the
// environment or .dev.vars), otherwise the scripted fake model (demo mode).
import { readFileSync } from "node:fs";
import path from "node:path";
import { root, step } from "./config.mjs";

function tomlBaseURL() {
  const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  return toml.match(/^ANTHROPIC_BASE_URL\s*=\s*"([^"]+)"/m)?.[1] ?? "https://api.anthropic.com";
}

/**
 * Returns `{ demo, endpoint, vars }`: `vars` are the `wrangler dev` flags, `endpoint` the Messages API base URL
 * the Worker ends up with.
 */
export async function chooseModel(devVars, fakeModelPort) {
  if (!devVars.ANTHROPIC_API_KEY) {
    const { startFakeModelServer } = await import("../../test/fake-model/server.mjs");
    await startFakeModelServer({ port: fakeModelPort });
    const endpoint = `http://127.0.0.1:${fakeModelPort}`;
    step("demo mode (no ANTHROPIC_API_KEY): sessions talk to the scripted fake model");
    return { demo: true, endpoint, vars: ["--var", `ANTHROPIC_BASE_URL:${endpoint}`, "--var", "ANTHROPIC_API_KEY:demo"] };
  }
  const override = process.env.ANTHROPIC_BASE_URL ?? devVars.ANTHROPIC_BASE_URL;
  const endpoint = override ?? tomlBaseURL();
  return { demo: false, endpoint, vars: process.env.ANTHROPIC_BASE_URL ? ["--var", `ANTHROPIC_BASE_URL:${endpoint}`] : [] };
}
