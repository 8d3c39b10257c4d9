// Which Messages API the session brain calls: the real one (ANTHROPIC_API_KEY) or, in demo mode, the fake model.
import { fakeModelPort, step } from "./config.mjs";

/** Starts the scripted fake model and returns the `wrangler dev` flags that point the Worker at it. */
export async function startDemoModel() {
  const { startFakeModelServer } = await import("../../test/fake-model/server.mjs");
  await startFakeModelServer({ port: fakeModelPort });
  step(`demo mode: no ANTHROPIC_API_KEY, the brain talks to the scripted fake model on :${fakeModelPort}`);
  return ["--var", `ANTHROPIC_BASE_URL:http://127.0.0.1:${fakeModelPort}`, "--var", "ANTHROPIC_API_KEY:demo"];
}
