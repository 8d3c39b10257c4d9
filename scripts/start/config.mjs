// Where `npm start` keeps things and which ports it uses; every other start module reads them from here.
import { appendFileSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");
/** PORT picks the API's port; the inspector and the demo model take free ports unless INSPECTOR_PORT / FAKE_MODEL_PORT say. */
export const port = Number(process.env.PORT ?? 8787);
export const baseURL = `http://127.0.0.1:${port}`;
export const localDir = path.join(root, ".local");
export const credentialsFile = path.join(localDir, "credentials.json");
export const devVars = path.join(root, ".dev.vars");
export const wrangler = path.join(root, "node_modules", ".bin", "wrangler");
export const BETA = { "anthropic-beta": "managed-agents-2026-04-01" };
/** Everything the child processes print goes here; the terminal gets only what a user needs. */
export const logFile = path.join(localDir, "logs", "start.log");
/** START_VERBOSE=1 passes wrangler's own output through to the terminal as well. */
export const verbose = process.env.START_VERBOSE === "1";

export const step = (message) => console.log(`\x1b[36m›\x1b[0m ${message}`);

export function log(text) {
  mkdirSync(path.dirname(logFile), { recursive: true });
  appendFileSync(logFile, text);
}

/** A port from the environment, or one the OS says is free. */
export function portFrom(name) {
  if (process.env[name]) return Promise.resolve(Number(process.env[name]));
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
}
