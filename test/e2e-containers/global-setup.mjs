// Starts the stack in container mode (startStack({ cloudSandbox: "container" })) with a short idle-snapshot time,
// an echo server on the host for egress tests, and a workspace; or, without a Docker engine, says so and provides
// nothing, so every test skips.
import { spawnSync } from "node:child_process";
import { dockerProblem } from "../../containers/wrangler-config.mjs";
import { containersLabEnv, startStack } from "../helpers/local-stack.mjs";
import { startEchoServer } from "./echo-server.mjs";

/** Idle time before a sandbox's workspace is snapshotted and its container destroyed, in this suite. */
export const IDLE_SNAPSHOT_MS = 4000;

export default async function setup({ provide }) {
  const env = { ...process.env, ...containersLabEnv() };
  if (dockerProblem(env)) {
    console.log("skipped: no Docker engine (run ../shared/containers-lab/up)");
    provide("containers", null);
    return;
  }
  // The bridge's gateway is the host as containers see it; the egress (workerd, on the host) reaches it too.
  // (Any host address works: a container's request reaches it through the Worker's egress, on the host.)
  const gateway = spawnSync(env.WRANGLER_DOCKER_BIN || "docker", ["network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}"], {
    env,
    encoding: "utf8",
  }).stdout.trim() || "172.17.0.1";
  const echo = await startEchoServer([gateway]);
  const stack = await startStack({ cloudSandbox: "container", vars: { SANDBOX_IDLE_SNAPSHOT_MS: String(IDLE_SNAPSHOT_MS) } });
  const admin = await fetch(`${stack.baseURL}/admin/workspaces`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "e2e-containers" }),
  });
  if (!admin.ok) throw new Error(`creating the workspace failed: ${admin.status} ${await admin.text()}`);
  const workspace = await admin.json();
  provide("containers", {
    baseURL: stack.baseURL,
    apiKey: workspace.api_key.key,
    echoURL: echo.url,
    idleSnapshotMs: IDLE_SNAPSHOT_MS,
  });
  return async () => {
    await stack.stop();
    await echo.close();
  };
}
