import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { admin, newTenant } from "./helpers/client";
import { createEnvironment } from "./helpers/hands";
import { newId } from "../src/lib/ids";
import type { ToolResultEvent } from "../src/hands/toolset";

const MiB = 1024 * 1024;
const text = (result: ToolResultEvent) => result.content.map((c) => c.text).join("");

/** A cloud session's sandbox whose workspace allows `maxSandboxBytes` of files. */
async function sandbox(maxSandboxBytes?: number) {
  const { workspaceId, client } = await newTenant();
  if (maxSandboxBytes !== undefined) await admin(`/workspaces/${workspaceId}/limits`, { max_sandbox_bytes: maxSandboxBytes });
  const environmentId = await createEnvironment(client, { type: "cloud" });
  const scope = { workspaceId, sessionId: newId("sesn"), environmentId };
  const stub = env.SANDBOXES.get(env.SANDBOXES.idFromName(scope.sessionId));
  const tool = async (name: string, input: unknown) => stub.runTool(scope, { id: newId("sevt"), name, input });
  return { stub, tool };
}

describe("the isolate sandbox's filesystem quota", () => {
  it("refuses writes past max_sandbox_bytes with ENOSPC the agent reads, and frees space on delete", async () => {
    const { tool } = await sandbox(3 * MiB);
    // 2 MiB fits; a second 2 MiB file would take the filesystem past 3 MiB.
    expect(await tool("bash", { command: "printf '%2097152s' x > a.bin && wc -c < a.bin" })).toMatchObject({ is_error: false });
    const full = await tool("bash", { command: "printf '%2097152s' x > b.bin" });
    expect(full.is_error).toBe(true);
    expect(text(full)).toMatch(/no space left on device/);
    expect(text(full)).toMatch(/max_sandbox_bytes/);
    // As on a full disk, the redirection created the file, and nothing went into it.
    expect(text(await tool("bash", { command: "wc -c < b.bin" }))).toBe("0");

    // The file tools say the same, in their own words.
    const write = await tool("write", { file_path: "c.txt", content: "x".repeat(2 * MiB) });
    expect(write).toMatchObject({ is_error: true });
    expect(text(write)).toMatch(/c\.txt: ENOSPC: no space left on device/);

    // A copy counts as much as a write; deleting gives the space back; rewriting in place never fails for space.
    expect(text(await tool("bash", { command: "cp a.bin copy.bin" }))).toMatch(/no space left on device/);
    await tool("bash", { command: "rm a.bin" });
    expect(await tool("bash", { command: "printf '%2097152s' x > b.bin && printf '%2097152s' y > b.bin && echo ok" })).toMatchObject({
      is_error: false,
      content: [{ text: "ok" }],
    });
  });

  it("stops a runaway write loop at the quota instead of filling storage", async () => {
    const { tool } = await sandbox(4 * MiB);
    const started = Date.now();
    const result = await tool("bash", { command: "i=0; while true; do printf '%1048576s' x > f$i.bin || break; i=$((i+1)); done; cat f*.bin | wc -c" });
    expect(text(result)).toMatch(/no space left on device/);
    expect(text(result)).toMatch(new RegExp(`^${4 * MiB}$`, "m"));
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("caps one file at 32 MiB (a file is read and written whole)", { timeout: 90_000 }, async () => {
    const { tool } = await sandbox(64 * MiB);
    // One call may output 32 MiB in all (maxOutputSize, redirections included), so the file is built over calls.
    expect(text(await tool("bash", { command: "printf '%4194304s' x > a.bin && cat a.bin a.bin a.bin a.bin > b.bin && wc -c < b.bin" }))).toBe(
      String(16 * MiB),
    );
    // And one command's output at most 16 MiB (maxStringLength).
    expect(text(await tool("bash", { command: "cat b.bin b.bin > huge.bin" }))).toMatch(/output size limit exceeded/);
    await tool("bash", { command: "cat b.bin > huge.bin" });
    await tool("bash", { command: "cat b.bin >> huge.bin" });
    const result = await tool("bash", { command: "printf x >> huge.bin" });
    expect(result.is_error).toBe(true);
    expect(text(result)).toMatch(/file too large \(the sandbox allows at most 32 MiB per file\)/);
    expect(text(await tool("bash", { command: "wc -c < huge.bin" }))).toBe(String(32 * MiB));
  });
});
