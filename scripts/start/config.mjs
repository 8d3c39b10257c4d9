// Where `npm start` keeps things and which ports it uses; every other start module reads them from here.
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");
export const port = Number(process.env.PORT ?? 8787);
export const baseURL = `http://127.0.0.1:${port}`;
export const localDir = path.join(root, ".local");
export const credentialsFile = path.join(localDir, "credentials.json");
export const devVars = path.join(root, ".dev.vars");
export const wrangler = path.join(root, "node_modules", ".bin", "wrangler");
export const fakeModelPort = Number(process.env.FAKE_MODEL_PORT ?? 8790);
export const BETA = { "anthropic-beta": "managed-agents-2026-04-01" };

export const step = (message) => console.log(`\x1b[36m›\x1b[0m ${message}`);
