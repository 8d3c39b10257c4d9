import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { ContainerSandbox } from "../src/hands/containers/container-sandbox";
import { packageInstallCommands } from "../src/hands/containers/provision";
import type { HandsEnvironment } from "../src/hands/environment";
import { runToolUse, type ToolResultEvent } from "../src/hands/toolset";
import type { SandboxDurableObject } from "../durable-objects/sandbox/sandbox-durable-object";
import { newId } from "../src/lib/ids";
import { newTenant } from "./helpers/client";
import { FakeContainerClient } from "./helpers/fake-container";
import { createEnvironment } from "./helpers/hands";

const environment = (over: Partial<HandsEnvironment> = {}): HandsEnvironment => ({
  id: "env_test",
  workspaceId: "wrkspc_test",
  type: "cloud",
  networking: { type: "unrestricted" },
  packages: {},
  archivedAt: null,
  ...over,
});

const adapter = (client: FakeContainerClient, over: Partial<HandsEnvironment> = {}, shellEnv: Record<string, string> = {}) =>
  new ContainerSandbox(client, {
    sessionId: "sesn_test",
    networking: environment(over).networking,
    shellEnv,
    secretScope: null,
    backupBucket: env.BLOBS,
    presignedBackups: false,
  });

async function provisioned(over: Partial<HandsEnvironment> = {}, shellEnv: Record<string, string> = {}) {
  const client = new FakeContainerClient({ bucket: env.BLOBS });
  const sandbox = adapter(client, over, shellEnv);
  await sandbox.provision(environment(over));
  const tool = (name: string, input: unknown) => runToolUse(sandbox, { id: newId("sevt"), name, input });
  return { client, sandbox, tool };
}

const text = (result: ToolResultEvent) => result.content.map((c) => c.text).join("");

describe("container adapter: provisioning", () => {
  it("installs every package manager's packages, quoted, apt first, and marks the container provisioned", async () => {
    const { client, sandbox } = await provisioned({
      packages: { apt: ["jq"], pip: ["requests==2.31.0"], npm: ["typescript@5"], go: ["golang.org/x/tools/gopls"], cargo: [], gem: ["rake"] },
    });
    expect(client.installs.map((args) => args.slice(0, 2).join(" "))).toEqual([
      "apt-get update",
      "apt-get install",
      "python3 -m",
      "npm install",
      "gem install",
      "go install",
    ]);
    expect(client.installs[1]).toContain("jq");
    expect(client.installs[2]).toContain("requests==2.31.0");
    expect(client.installs[5]).toContain("golang.org/x/tools/gopls@latest");
    expect(await sandbox.isProvisioned()).toBe(true);
    expect(await adapter(new FakeContainerClient()).isProvisioned()).toBe(false);
  });

  it("keeps hostile package names as literal arguments", () => {
    const [command] = packageInstallCommands({ pip: ["x'; rm -rf / #"] });
    expect(command).toBe(`python3 -m pip install --quiet 'x'\\''; rm -rf / #'`);
  });

  it("fails provisioning with the install's own output", async () => {
    await expect(provisioned({ packages: { apt: ["does-not-exist"] } })).rejects.toThrow(/Unable to locate package does-not-exist/);
  });
});

describe("container adapter: network policy at egress", () => {
  it("leaves an unrestricted container's egress open", async () => {
    const { client, tool } = await provisioned();
    expect(client.policy).toEqual({ internet: true, allowedHosts: null, secrets: null });
    expect(text(await tool("bash", { command: "curl -sS https://anywhere.example/" }))).toBe("hello from anywhere.example");
  });

  it("gates a limited container to its allowed hosts, plus the registries when package managers are allowed", async () => {
    const { client, tool } = await provisioned({
      networking: { type: "limited", allowed_hosts: ["api.example.com", "*.corp.test"], allow_package_managers: true },
      packages: { pip: ["httpx"] },
    });
    expect(client.policy?.internet).toBe(false);
    expect(client.policy?.allowedHosts).toEqual(expect.arrayContaining(["api.example.com", "*.corp.test", "pypi.org", "files.pythonhosted.org"]));
    // The allow list is in place before the installs run through it.
    const gate = client.commands.indexOf("# applyEgressPolicy");
    expect(gate).toBeGreaterThanOrEqual(0);
    expect(gate).toBeLessThan(client.commands.findIndex((c) => c.includes("pip install")));
    expect(text(await tool("bash", { command: "curl -sS https://api.example.com/v1" }))).toBe("hello from api.example.com");
    expect(text(await tool("bash", { command: "curl -sS https://git.corp.test/" }))).toBe("hello from git.corp.test");
    expect(text(await tool("bash", { command: "curl -sS https://evil.example.net/" }))).toBe("Origin is disallowed");
  });

  it("allows nothing but the listed hosts when package managers are not allowed", async () => {
    const { client } = await provisioned({ networking: { type: "limited", allowed_hosts: [] } });
    expect(client.policy).toMatchObject({ internet: false, allowedHosts: [] });
  });
});

describe("container adapter: the toolset", () => {
  it("runs the same tools: persistent shell, files, edit, glob, grep", async () => {
    const { sandbox, tool } = await provisioned();
    await tool("bash", { command: "mkdir -p src && cd src && export MODE=test" });
    expect(text(await tool("bash", { command: 'pwd; echo "$MODE"' }))).toBe("/workspace/src\ntest");
    await sandbox.restartShell();
    expect(text(await tool("bash", { command: "pwd" }))).toBe("/workspace");

    expect(text(await tool("write", { file_path: "src/main.py", content: "print('hi')\n# TODO\n" }))).toBe("wrote 19 bytes to src/main.py");
    expect(text(await tool("read", { file_path: "src/main.py", view_range: [2, 2] }))).toBe("# TODO");
    expect(text(await tool("edit", { file_path: "src/main.py", old_string: "hi", new_string: "hello" }))).toBe(
      "edited src/main.py (1 replacement(s))",
    );
    expect(text(await tool("bash", { command: "cat src/main.py | head -1" }))).toBe("print('hello')");
    expect(text(await tool("glob", { pattern: "**/*.py" }))).toBe("/workspace/src/main.py");
    expect(text(await tool("grep", { pattern: "TODO" }))).toBe("/workspace/src/main.py:2:# TODO");
    expect(text(await tool("read", { file_path: "missing.txt" }))).toBe("read: missing.txt: no such file or directory");
  });

  it("starts the agent's shell in /workspace with the credential placeholders (the SDK's getSession never throws)", async () => {
    const { client, tool } = await provisioned({}, { API_TOKEN: "ma_placeholder_vcrd_1" });
    expect(text(await tool("bash", { command: 'pwd; echo "$API_TOKEN"' }))).toBe("/workspace\nma_placeholder_vcrd_1");
    expect(client.session("agent-shell")?.env).toMatchObject({ API_TOKEN: "ma_placeholder_vcrd_1" });
  });

  it("replaces a shell that exits or times out, with the workdir and placeholders again", async () => {
    const { tool } = await provisioned({}, { API_TOKEN: "ma_placeholder_vcrd_1" });
    await tool("bash", { command: "mkdir -p sub && cd sub && export STALE=1" });
    expect(await tool("bash", { command: "echo bye; exit 3" })).toMatchObject({ is_error: true, content: [{ text: "bash: bash session terminated" }] });
    expect(text(await tool("bash", { command: 'pwd; echo "$API_TOKEN/${STALE:-unset}"' }))).toBe("/workspace\nma_placeholder_vcrd_1/unset");

    await tool("bash", { command: "cd sub" });
    const slow = await tool("bash", { command: "sleep 5", timeout_ms: 50 });
    expect(slow).toMatchObject({ is_error: true, content: [{ text: "bash: bash command timed out after 50ms" }] });
    expect(text(await tool("bash", { command: 'pwd; echo "$API_TOKEN"' }))).toBe("/workspace\nma_placeholder_vcrd_1");
  });

  it("lists symlinks to glob and greps through them", async () => {
    const { client, tool } = await provisioned();
    await tool("write", { file_path: "real/notes.md", content: "needle\n" });
    await client.fs.symlink("/workspace/real/notes.md", "/workspace/link.md");
    expect(text(await tool("glob", { pattern: "*.md" }))).toBe("/workspace/link.md");
    expect(text(await tool("grep", { pattern: "needle" }))).toBe("/workspace/link.md:1:needle\n/workspace/real/notes.md:1:needle");
  });

  it("backs up the workspace and restores it into a container that lost its disk", async () => {
    const { client, sandbox, tool } = await provisioned();
    await tool("write", { file_path: "keep/a.txt", content: "kept" });
    const handle = await sandbox.backup();
    expect(handle).toMatchObject({ backend: "container", dir: "/workspace", localBucket: true });
    await sandbox.destroy();
    expect(client.destroyed).toBe(1);
    expect(await sandbox.isProvisioned()).toBe(false);

    await sandbox.provision(environment());
    await sandbox.restore(handle);
    expect(text(await tool("read", { file_path: "keep/a.txt" }))).toBe("kept");
    await expect(sandbox.restore({ backend: "isolate", key: "x", createdAt: "" })).rejects.toThrow(/cannot restore/);
  });
});

describe("sandbox Durable Object on the container backend", () => {
  it("uses the container when SANDBOX_CONTAINERS is bound: provisions with the environment, then runs tools there", async () => {
    const { workspaceId, client: api } = await newTenant();
    const environmentId = await createEnvironment(api, {
      type: "cloud",
      networking: { type: "limited", allowed_hosts: ["api.example.com"], allow_package_managers: true },
      packages: { apt: ["ripgrep"] },
    });
    const sessionId = newId("sesn");
    const stub = env.SANDBOXES.get(env.SANDBOXES.idFromName(sessionId));
    const deleted: unknown[] = [];
    const blobs = env.BLOBS;
    const backupBucket = {
      put: blobs.put.bind(blobs),
      get: blobs.get.bind(blobs),
      head: blobs.head.bind(blobs),
      delete: async (keys: string[]) => {
        deleted.push(keys);
        await blobs.delete(keys);
      },
    } as unknown as R2Bucket;
    const client = new FakeContainerClient({ bucket: backupBucket });
    await runInDurableObject(stub, (instance) => {
      const object = instance as unknown as SandboxDurableObject & { env: Cloudflare.Env };
      object.env = { ...object.env, SANDBOX_CONTAINERS: {} as never, BACKUP_BUCKET: backupBucket };
      object.connectContainer = async () => client;
    });
    const scope = { workspaceId, sessionId, environmentId };
    const result = await stub.runTool(scope, { id: newId("sevt"), name: "bash", input: { command: "echo in-container > proof.txt && pwd" } });
    expect(result).toMatchObject({ is_error: false, content: [{ text: "/workspace" }] });
    expect(await client.fs.readFile("/workspace/proof.txt")).toBe("in-container\n");
    expect(client.installs.some((args) => args.includes("ripgrep"))).toBe(true);
    expect(client.policy?.allowedHosts).toContain("api.example.com");

    // Idle: the workspace goes to a backup (through the bound bucket: no R2 credentials here) and the container
    // is freed; the next tool use restores it.
    const handle = await stub.snapshot();
    expect(handle).toMatchObject({ backend: "container", localBucket: true });
    expect(client.destroyed).toBe(1);
    const after = await stub.runTool(scope, { id: newId("sevt"), name: "read", input: { file_path: "proof.txt" } });
    expect(after.content[0].text).toBe("in-container\n");

    // The next snapshot supersedes the first, which is deleted from the bucket.
    const next = await stub.snapshot();
    expect(next).not.toEqual(handle);
    expect(deleted).toEqual([[`backups/${(handle as { id: string }).id}/data.sqsh`, `backups/${(handle as { id: string }).id}/meta.json`]]);
  });
});
