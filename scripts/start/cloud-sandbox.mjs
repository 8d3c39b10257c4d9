// CLOUD_SANDBOX=container: cloud environments run on Cloudflare Containers (containers/wrangler-config.mjs) instead of
// the in-isolate sandbox. Checked before anything starts: a wrong value or a missing Docker stops `npm start` at once.
import { dockerProblem, writeContainerWranglerConfig } from "../../containers/wrangler-config.mjs";
import { root } from "./config.mjs";

export const containerMode = process.env.CLOUD_SANDBOX === "container";

export function checkCloudSandbox() {
  if (process.env.CLOUD_SANDBOX && !["container", "isolate"].includes(process.env.CLOUD_SANDBOX)) {
    console.error(`CLOUD_SANDBOX must be "container" or "isolate", not "${process.env.CLOUD_SANDBOX}"`);
    process.exit(1);
  }
  if (containerMode) {
    const problem = dockerProblem();
    if (problem) {
      console.error(`CLOUD_SANDBOX=container needs Docker: ${problem}`);
      process.exit(1);
    }
  }
}

/** The `wrangler dev` flags for the mode: a generated config with the containers block, or none. */
export const cloudSandboxArgs = () => (containerMode ? ["--config", writeContainerWranglerConfig(root)] : []);

export const cloudSandboxDescription = containerMode
  ? "Cloudflare Containers (Docker)"
  : "in-isolate sandbox (no python/git/node/packages; CLOUD_SANDBOX=container for containers)";
