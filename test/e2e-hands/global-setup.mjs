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
 * How the echo host is reached from a sandbox. The isolate's and the self-hosted worker's requests leave from this
 * machine: loopback works, on the echo host's own ports. A container's leave through its egress sidecar to workerd,
 * which connects from this machine to the address the container asked for, so that must be one of this machine's
 * own (docker0's first); and the containers-lab stand-in passes only port 80 of plain HTTP on intact, so the echo
 * host must also listen there. Returns the container's pair, or why there is none.
 */
async function containerEchoHosts(hosts) {
  const external = Object.entries(networkInterfaces()).flatMap(([name, list]) =>
    (list ?? []).filter((i) => i.family === "IPv4" && !i.internal).map((i) => ({ name, address: i.address })),
  );
  const ordered = [...external.filter((i) => i.name === "docker0"), ...external.filter((i) => i.name !== "docker0")].map((i) => i.address);
  const bound = [];
  for (const address of ordered) {
    if (bound.length === 2) break;
    await hosts.listenEcho(address, 80).then(() => bound.push(address), () => {});
  }
  if (bound.length < 2) return { unavailable: `the echo host needs port 80 free on two of this machine's addresses for containers to reach it (${ordered.join(", ")})` };
  return { allowed: bound[0], other: bound[1] };
}

/** The egress sidecar image workerd runs next to each container (the containers-lab kit sets a TLS-blind stand-in). */
const egressImage = () => String(localStack.containersLabEnv?.().MINIFLARE_CONTAINER_EGRESS_IMAGE ?? process.env.MINIFLARE_CONTAINER_EGRESS_IMAGE ?? "");

/** The container stack, or why there is none. Only a missing Docker engine is a skip; any other failure is an error. */
async function startContainerStack(options) {
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
  const echo = { httpPort: hosts.echoHttpPort, httpsPort: hosts.echoHttpsPort ?? null };
  const containerHosts =
    process.env.HANDS_CONFORMANCE_CONTAINERS === "0"
      ? { unavailable: "HANDS_CONFORMANCE_CONTAINERS=0" }
      : // The container mode of test/helpers/local-stack.mjs (`cloudSandbox: "container"`) comes with containersLabEnv.
        typeof localStack.containersLabEnv !== "function"
        ? { unavailable: 'this checkout\'s test/helpers/local-stack.mjs has no container mode (`cloudSandbox: "container"`)' }
        : await containerEchoHosts(hosts);
  const [stack, containers] = await Promise.all([
    localStack.startStack(options),
    containerHosts.unavailable ? containerHosts : startContainerStack(options),
  ]);

  provide("hands", {
    isolate: { baseURL: stack.baseURL, apiKey: await createWorkspace(stack), hosts: { allowed: "127.0.0.1", other: "127.0.0.2" }, echo },
    selfHostedWorkdir: workdir,
    container: containers.stack
      ? {
          baseURL: containers.stack.baseURL,
          apiKey: await createWorkspace(containers.stack),
          hosts: containerHosts,
          echo: { httpPort: 80, httpsPort: echo.httpsPort },
          interceptsTls: !egressImage().includes("proxy-everything:stub"),
        }
      : containers,
    fakeHostsURL: hosts.controlURL,
    logLevel: process.env.E2E_LOG_LEVEL === "debug" ? "debug" : "off",
  });

  return async () => {
    await Promise.all([stack.stop(), containers.stack?.stop()]);
    await hosts.close();
    rmSync(workdir, { recursive: true, force: true });
  };
}
