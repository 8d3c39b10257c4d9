// The hands conformance suite's world (vitest.hands.config.mts): the local stand-ins for the outside world
// (fake-hosts.mjs), one stack as `npm start` runs it (cloud environments in the isolate; self-hosted ones served by
// the official worker the tests run) and, where a Docker engine and the stack's container mode are available, one
// stack with `CLOUD_SANDBOX=container`. Each stack trusts the fake hosts' test CA and fetches GitHub archives from
// them. What cannot start is handed to the tests as a reason, which they print with their skips.
import { mkdtempSync, rmSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";
import * as localStack from "../helpers/local-stack.mjs";
import { startFakeHosts } from "./fake-hosts.mjs";

/** A workspace through the admin API, as an operator would create one; its API key. */
async function createWorkspace(stack) {
  const res = await fetch(`${stack.baseURL}/admin/workspaces`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "hands-conformance" }),
  });
  if (!res.ok) throw new Error(`creating the workspace failed: ${res.status} ${await res.text()}`);
  return (await res.json()).api_key.key;
}

/**
 * How the echo host is reached from a sandbox: the isolate's and the self-hosted worker's requests leave from this
 * machine (loopback works); a container's leave through its egress to workerd, which connects from this machine,
 * but by the address the container asked for, so it must be one of this machine's own (docker0's first).
 */
function echoAddresses() {
  const external = Object.entries(networkInterfaces()).flatMap(([name, list]) =>
    (list ?? []).filter((i) => i.family === "IPv4" && !i.internal).map((i) => ({ name, address: i.address })),
  );
  const docker = external.find((i) => i.name === "docker0");
  const other = external.find((i) => i !== docker);
  return {
    local: { allowed: "127.0.0.1", other: "127.0.0.2" },
    container: docker && other ? { allowed: docker.address, other: other.address } : null,
  };
}

/** The egress sidecar image workerd runs next to each container (the containers-lab kit sets a TLS-blind stand-in). */
const egressImage = () => String(localStack.containersLabEnv?.().MINIFLARE_CONTAINER_EGRESS_IMAGE ?? process.env.MINIFLARE_CONTAINER_EGRESS_IMAGE ?? "");

/** The container stack, or why there is none. Only a missing Docker engine is a skip; any other failure is an error. */
async function startContainerStack(options) {
  // The container mode of test/helpers/local-stack.mjs (`cloudSandbox: "container"`) comes with containersLabEnv.
  if (typeof localStack.containersLabEnv !== "function") {
    return { unavailable: "this checkout's test/helpers/local-stack.mjs has no container mode (`cloudSandbox: \"container\"`)" };
  }
  let stack;
  try {
    stack = await localStack.startStack({ ...options, cloudSandbox: "container" });
  } catch (err) {
    const message = String(err?.message ?? err);
    if (message.startsWith("CLOUD_SANDBOX=container:")) return { unavailable: message.split("\n")[0] };
    return { error: message.slice(0, 4000) };
  }
  if (stack.cloudSandbox !== "container") {
    await stack.stop();
    return { unavailable: "the stack did not start in container mode" };
  }
  return { stack };
}

export default async function setup({ provide }) {
  const workdir = mkdtempSync(path.join(tmpdir(), "ma-hands-workdir-"));
  const hosts = await startFakeHosts();
  const options = {
    vars: { HANDS_TEST_HOOKS: "1", GITHUB_API_URL: hosts.githubApiURL },
    processEnv: hosts.caFile ? { NODE_EXTRA_CA_CERTS: hosts.caFile } : {},
  };
  const addresses = echoAddresses();
  const wantContainers = process.env.HANDS_CONFORMANCE_CONTAINERS !== "0";
  const [stack, containers] = await Promise.all([
    localStack.startStack(options),
    wantContainers ? startContainerStack(options) : { unavailable: "HANDS_CONFORMANCE_CONTAINERS=0" },
  ]);

  provide("hands", {
    isolate: { baseURL: stack.baseURL, apiKey: await createWorkspace(stack), hosts: addresses.local },
    selfHostedWorkdir: workdir,
    container: containers.stack
      ? addresses.container
        ? {
            baseURL: containers.stack.baseURL,
            apiKey: await createWorkspace(containers.stack),
            hosts: addresses.container,
            interceptsTls: !egressImage().includes("proxy-everything:stub"),
          }
        : { unavailable: "this machine has no docker0 and second IPv4 address for a container to reach the echo host by" }
      : containers,
    echo: { httpPort: hosts.echoHttpPort, httpsPort: hosts.echoHttpsPort ?? null },
    fakeHostsURL: hosts.controlURL,
    logLevel: process.env.E2E_LOG_LEVEL === "debug" ? "debug" : "off",
  });

  return async () => {
    await Promise.all([stack.stop(), containers.stack?.stop()]);
    await hosts.close();
    rmSync(workdir, { recursive: true, force: true });
  };
}
