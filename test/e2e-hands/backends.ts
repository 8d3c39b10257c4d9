import Anthropic from "@anthropic-ai/sdk";
import type { BetaCloudConfigParams } from "@anthropic-ai/sdk/resources/beta/environments/environments";
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    hands: {
      isolate: StackInfo;
      container: StackInfo | { unavailable: string } | { error: string };
      selfHostedWorkdir: string;
      fakeHostsURL: string;
      logLevel: "debug" | "off";
    };
  }
}

interface EchoPorts {
  httpPort: number;
  httpsPort: number | null;
}

interface StackInfo {
  baseURL: string;
  apiKey: string;
  /** Two addresses of the echo host as the backend's sandbox reaches it... */
  hosts: { allowed: string; other: string };
  /** ...and its ports there (no HTTPS port where no TLS certificate could be made). */
  echo: EchoPorts;
  /** False where the container egress cannot intercept TLS (the containers-lab stand-in). */
  interceptsTls?: boolean;
}

/** Every scenario the suite runs, with what it proves. */
export const SCENARIOS = {
  "bash-state": "bash keeps the cwd and exported variables across calls",
  "file-tools": "write, read, edit and grep on the workspace, confined to it",
  glob: "glob finds files by pattern under the workspace",
  "exit-codes": "a non-zero exit is an error result carrying the output (or `exit N`)",
  timeout: "a command past its timeout_ms is cut off, and the next call gets a working shell",
  truncation: "output past 100 KiB keeps its tail behind `[output truncated]`",
  python: "native binaries run: python3",
  "snapshot-restore": "a workspace file survives the sandbox being destroyed; the session resumes in a fresh shell",
  "file-resource": "a `file` session resource is at its mount path, also one added mid-session",
  "github-resource": "a `github_repository` session resource is checked out at its mount path; its token stays out",
  "memory-store": "`memory_store` resources are directories at their mount paths: writes to a read_write one become session-written memory versions, a read_only one refuses the file tools",
  packages: "environment `packages` are installed",
  "limited-http": "`limited` networking lets HTTP reach the allowed host only",
  "limited-https": "`limited` networking lets HTTPS reach the allowed host only",
  "credential-http": "a vault `environment_variable` credential reaches its host over HTTP, and never the agent",
  "credential-https": "a vault `environment_variable` credential reaches its host over HTTPS, and never the agent",
} as const;
export type Scenario = keyof typeof SCENARIOS;

/**
 * What a backend cannot do, by scenario, and why. The capability table of src/hands/README.md; a scenario listed
 * here is reported as unsupported (a skip whose title carries the reason), or, where the backend has a documented
 * fallback, that fallback is asserted instead (`documented`).
 */
export interface Capabilities {
  workdir: string;
  unsupported: Partial<Record<Scenario, string>>;
  documented?: Partial<Record<Scenario, string>>;
}

/** The official SDK's glob tool calls `fs.glob`, which Node has from version 22 on. */
const nodeMajor = Number((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node?.split(".")[0] ?? 0);

const NOT_THE_WORKERS_JOB = "the official EnvironmentWorker runs tools on its host as they are";
export const CAPABILITIES = {
  isolate: {
    workdir: "/workspace",
    unsupported: {},
    documented: {
      python: "just-bash simulates a shell in the isolate: no python3, git, node or other native binaries",
      packages:
        "no package manager in a Worker isolate (just-bash has no apt, pip, npm...): the requested packages are listed in /tmp/PACKAGES-NOT-INSTALLED.txt",
    },
  },
  "self-hosted": {
    workdir: inject("hands").selfHostedWorkdir,
    unsupported: {
      ...(nodeMajor < 22 ? { glob: `the official SDK's glob tool needs Node 22 (fs.glob); this worker runs on Node ${nodeMajor}` } : {}),
      python: "the host's binaries are its owner's to install",
      "file-resource": `${NOT_THE_WORKERS_JOB}: it mounts skills and memory stores, not file resources`,
      "github-resource": `${NOT_THE_WORKERS_JOB}: it mounts skills and memory stores, not repositories`,
      packages: "self_hosted environments have no `packages`: the host is provisioned by its owner",
      "limited-http": "self_hosted environments have no `networking`: the host's network is its owner's, not enforced by this server",
      "limited-https": "self_hosted environments have no `networking`: the host's network is its owner's, not enforced by this server",
      "credential-http": "vault environment_variable credentials are substituted at a cloud sandbox's egress; a self-hosted worker has none",
      "credential-https": "vault environment_variable credentials are substituted at a cloud sandbox's egress; a self-hosted worker has none",
    },
  },
  container: {
    workdir: "/workspace",
    unsupported:
      (inject("hands").container as StackInfo).interceptsTls === false
        ? {
            "limited-https": "the containers-lab egress stand-in passes TLS through uninspected (../shared/containers-lab/README.md)",
            "credential-https": "the containers-lab egress stand-in passes TLS through uninspected (../shared/containers-lab/README.md)",
          }
        : {},
  },
} satisfies Record<string, Capabilities>;
export type BackendName = keyof typeof CAPABILITIES;

/** A running backend: a client of its stack, environments on it, and how to destroy a session's sandbox. */
export interface Hands {
  name: BackendName;
  client: Anthropic;
  agentId: string;
  workdir: string;
  hosts: { allowed: string; other: string };
  echo: EchoPorts;
  /** An environment of this backend (cloud config ignored for self-hosted); cached per config. */
  environment(config?: Omit<BetaCloudConfigParams, "type">): Promise<string>;
  /** Destroys the session's sandbox the way going idle does; the next tool use must restore its workspace. */
  destroySandbox(sessionId: string): Promise<void>;
  close(): Promise<void>;
}

const BETA = { "anthropic-beta": "managed-agents-2026-04-01" };

/** The stack a backend runs on, or why it cannot run here (printed with every skip). */
export function stackFor(name: BackendName): StackInfo | { unavailable: string } | { error: string } {
  const hands = inject("hands");
  return name === "container" ? hands.container : hands.isolate;
}

export async function startHands(name: BackendName, stack: StackInfo): Promise<Hands> {
  const client = new Anthropic({ baseURL: stack.baseURL, apiKey: stack.apiKey, maxRetries: 2, logLevel: "off" });
  const agent = await client.beta.agents.create({ name: `conformance-${name}`, model: "claude-fake-1", tools: [{ type: "agent_toolset_20260401" }] });
  const base = { name, client, agentId: agent.id, workdir: CAPABILITIES[name].workdir, hosts: stack.hosts, echo: stack.echo };
  if (name === "self-hosted") return { ...base, ...(await selfHostedEnvironment(client, stack)) };

  const environments = new Map<string, Promise<string>>();
  return {
    ...base,
    environment(config = {}) {
      const key = JSON.stringify(config);
      if (!environments.has(key)) {
        const created = client.beta.environments.create({ name: `conformance-${name}-${environments.size}`, config: { type: "cloud", ...config } });
        environments.set(key, created.then((e) => e.id));
      }
      return environments.get(key)!;
    },
    async destroySandbox(sessionId) {
      await client.post(`/v1/sessions/${sessionId}/__sandbox/snapshot`, { headers: BETA });
    },
    async close() {},
  };
}

/**
 * One self_hosted environment served by the official SDK's EnvironmentWorker, unmodified, in this process, as a
 * user runs it. Destroying "the sandbox" stops the worker and starts another: the host's workdir is what persists.
 */
async function selfHostedEnvironment(client: Anthropic, stack: StackInfo) {
  const environment = await client.beta.environments.create({ name: "conformance-self-hosted", config: { type: "self_hosted" } });
  const key = await client.post<{ key: string }>(`/v1/environments/${environment.id}/keys`, { body: { name: "conformance" }, headers: BETA });
  let running: { controller: AbortController; done: Promise<unknown> } | undefined;
  const start = () => {
    const controller = new AbortController();
    const worker = new Anthropic({ baseURL: stack.baseURL, apiKey: null, logLevel: inject("hands").logLevel }).beta.environments.work.worker({
      environmentId: environment.id,
      environmentKey: key.key,
      workdir: inject("hands").selfHostedWorkdir,
      maxIdleMs: 1500,
    });
    running = { controller, done: worker.run(controller.signal).catch((e) => e) };
  };
  const stop = async () => {
    running?.controller.abort();
    await running?.done;
    running = undefined;
  };
  start();
  return {
    environment: async () => environment.id,
    async destroySandbox() {
      await stop();
      start();
    },
    close: stop,
  };
}

/** What the fake hosts received, for requests whose path carries `tag`. */
export async function seenRequests(tag: string) {
  const res = await fetch(`${inject("hands").fakeHostsURL}/_seen`);
  const all = (await res.json()) as Array<{ scheme: string; host: string; method: string; path: string; headers: Record<string, string>; body: string }>;
  return all.filter((r) => r.path.includes(tag));
}

/** Registers a repository with the GitHub stand-in (`GITHUB_API_URL`). */
export async function registerRepository(owner: string, name: string, repo: { files: Record<string, string>; token?: string }) {
  const res = await fetch(`${inject("hands").fakeHostsURL}/_repos/${owner}/${name}`, { method: "PUT", body: JSON.stringify(repo) });
  if (!res.ok) throw new Error(`registering ${owner}/${name}: ${res.status}`);
}

/** The echo host at one of the backend's two addresses for it. */
export const echoURL = (hands: Hands, scheme: "http" | "https", host: "allowed" | "other", path: string) =>
  `${scheme}://${hands.hosts[host]}:${scheme === "http" ? hands.echo.httpPort : hands.echo.httpsPort}${path}`;
