// What `npm start` prints once everything answers: where it runs, which model it talks to, and the exports that
// make the README's snippet and the CLI work in another terminal.
import path from "node:path";
import { baseURL, logFile, port, root } from "./config.mjs";
import { cloudSandboxDescription } from "./cloud-sandbox.mjs";
import { localWorkerPool } from "./local-worker.mjs";

export function printBanner({ local, model, inspectorPort }) {
  const pool = localWorkerPool;
  const mode = model.demo ? "demo mode: the scripted fake model" : "the real model";
  console.log(`
\x1b[32mManaged agents backend running on ${baseURL}\x1b[0m
  model endpoint: ${model.endpoint}   (${mode}; set ANTHROPIC_API_KEY and restart to change)
  console:        ${baseURL}/console   API reference: ${baseURL}/reference/
  environment:    ${local.environmentId}   (self-hosted, served by the local worker loops in .local/workdir)
  worker loops:   ${pool.min} warm, up to ${pool.max} at once (LOCAL_WORKERS / LOCAL_WORKERS_MAX); growth logged to the log file
  cloud sandbox:  ${cloudSandboxDescription}
  logs:           ${path.relative(root, logFile)}   inspector: 127.0.0.1:${inspectorPort}   stop: Ctrl-C

In another terminal:
  export MA_BASE_URL=${baseURL} MA_API_KEY=${local.apiKey} MA_ENVIRONMENT_ID=${local.environmentId}
  node examples/first-session.mjs      # or: npx managed-agents sessions list
`);
  if (port !== 8787) console.log(`  (PORT=${port}: .local/credentials.json now points at this port)\n`);
}
