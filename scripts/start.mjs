#!/usr/bin/env node
// `npm start`: the whole local stack in one command.
// Applies D1 migrations, runs `wrangler dev` (Worker + Durable Objects + D1 + R2, all local), makes sure a local
// workspace, API key and self-hosted environment exist, and runs the official SDK worker for that environment so
// sessions can run bash on this machine. Without ANTHROPIC_API_KEY it runs in demo mode against the scripted fake
// model (test/fake-model), so everything works offline. Each step lives in scripts/start/.
import { baseURL, step } from "./start/config.mjs";
import { ensureDevVars, readDevVars } from "./start/dev-vars.mjs";
import { applyMigrations } from "./start/migrations.mjs";
import { startDemoModel } from "./start/model.mjs";
import { startWranglerDev, waitForHealth } from "./start/wrangler-dev.mjs";
import { ensureLocalEnvironment, ensureWorkspace } from "./start/credentials.mjs";
import { startLocalWorker } from "./start/local-worker.mjs";
import { printBanner } from "./start/banner.mjs";

ensureDevVars();
applyMigrations();
const demo = !process.env.ANTHROPIC_API_KEY && !readDevVars().ANTHROPIC_API_KEY;
const modelVars = demo ? await startDemoModel() : [];
step(`starting wrangler dev on ${baseURL}`);
const dev = startWranglerDev(modelVars);
const children = [dev];
const stop = () => {
  for (const child of children) child.kill("SIGTERM");
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", (code) => process.exit(code ?? 1));

await waitForHealth();
const local = await ensureLocalEnvironment(await ensureWorkspace(readDevVars().ADMIN_TOKEN));
const worker = startLocalWorker(local);
process.on("exit", () => worker.abort());
printBanner({ local, demo });
