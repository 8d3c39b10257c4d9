// An official EnvironmentWorker in its own process, so chaos can SIGKILL it mid-tool:
//   node worker-process.mjs <baseURL> <environmentId> <environmentKey> <toolRunMs>
// Prints `TOOL <tool_use_id>` when a tool use reaches it.
import { startWorker } from "../lib/hands.mjs";

const [baseURL, environmentId, environmentKey, runMs] = process.argv.slice(2);
startWorker(
  { baseURL },
  {
    environmentId,
    environmentKey,
    runMs: Number(runMs),
    onToolUse: (id) => console.log(`TOOL ${id}`),
  },
);
