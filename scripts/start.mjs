#!/usr/bin/env node
// `npm start`: the whole local stack in one command.
// Applies D1 migrations, runs `wrangler dev` (Worker + Durable Objects + D1 + R2, all local), makes sure a local
// workspace, API key and self-hosted environment exist, and runs the official SDK worker for that environment so
// sessions can run bash on this machine. Without ANTHROPIC_API_KEY it runs in demo mode against the scripted fake
// model (test/fake-model), so everything works offline. Each step lives in scripts/start/.
import path from "node:path";
import { baseURL, log, logFile, portFrom, root, step } from "./start/config.mjs";
import { ensureDevVars } from "./start/dev-vars.mjs";
import { applyMigrations } from "./start/migrations.mjs";
import { chooseModel } from "./start/model.mjs";
import { startWranglerDev, waitForHealth } from "./start/wrangler-dev.mjs";
import { ensureLocalEnvironment, ensureWorkspace } from "./start/credentials.mjs";
import { startLocalWorker } from "./start/local-worker.mjs";
import { printBanner } from "./start/banner.mjs";
import { checkCloudSandbox, cloudSandboxArgs, containerMode } from "./start/cloud-sandbox.mjs";

checkCloudSandbox();
log(`\n=== npm start, ${new Date().toISOString()} ===\n`);
const devVars = ensureDevVars();
applyMigrations();
const [inspectorPort, fakeModelPort] = [await portFrom("INSPECTOR_PORT"), await portFrom("FAKE_MODEL_PORT")];
const model = await chooseModel(devVars, fakeModelPort);
const building = containerMode ? "; cloud sandboxes on containers: the first start builds containers/Dockerfile" : "";
step(`starting wrangler dev on ${baseURL} (its output goes to ${path.relative(root, logFile)}${building})`);
const dev = startWranglerDev({ inspectorPort, vars: model.vars, configArgs: cloudSandboxArgs() });
const children = [dev];
const stop = () => {
  for (const child of children) child.kill("SIGTERM");
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", (code) => {
  console.error(`wrangler dev exited (${code}); its output is in ${logFile}`);
  process.exit(code ?? 1);
});

await waitForHealth(dev, containerMode ? 900_000 : 90_000);
const local = await ensureLocalEnvironment(await ensureWorkspace(devVars.ADMIN_TOKEN));
const worker = startLocalWorker(local);
process.on("exit", () => void worker.stop());
printBanner({ local, model, inspectorPort });
