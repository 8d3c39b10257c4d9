// What `npm start` prints once everything answers.
import { baseURL } from "./config.mjs";

export function printBanner({ local, demo }) {
  console.log(`
\x1b[32mManaged agents backend running on ${baseURL}\x1b[0m${demo ? "  (demo mode: fake model)" : ""}
  workspace API key:       ${local.apiKey}   (saved in .local/credentials.json)
  self-hosted environment: ${local.environmentId}   (served by the local worker)
  console:                 ${baseURL}/console

  import Anthropic from "@anthropic-ai/sdk";
  const client = new Anthropic({ baseURL: "${baseURL}", apiKey: "${local.apiKey}" });
`);
}
