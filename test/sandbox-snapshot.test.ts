import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { newTenant } from "./helpers/client";
import { createEnvironment } from "./helpers/hands";
import { newId } from "../src/lib/ids";
import type { ToolResultEvent } from "../src/hands/toolset";

const MiB = 1024 * 1024;
const text = (result: ToolResultEvent) => result.content.map((c) => c.text).join("");

describe("isolate sandbox snapshots", () => {
  // A Worker's Blob holds at most 128 MiB: a snapshot built as one Blob failed there forever, and the idle
  // snapshot could then never tear the sandbox down.
  it("snapshot a workspace bigger than a Blob can hold (128 MiB) and restore it into a fresh sandbox", { timeout: 300_000 }, async () => {
    const { workspaceId, client } = await newTenant();
    const environmentId = await createEnvironment(client, { type: "cloud" });
    const scope = { workspaceId, sessionId: newId("sesn"), environmentId };
    const stub = env.SANDBOXES.get(env.SANDBOXES.idFromName(scope.sessionId));
    const tool = async (command: string) => text(await stub.runTool(scope, { id: newId("sevt"), name: "bash", input: { command } }));

    await tool("printf '%16777216s' x > f0");
    await tool("for i in 1 2 3 4 5 6 7 8; do cp f0 f$i; done; printf 'small\\n' > notes.txt");
    const listing = "ls -l | awk 'NR > 1 { n += 1; s += $5 } END { print n, s }'";
    const before = await tool(listing);
    expect(before).toBe(`10 ${9 * 16 * MiB + 6}`);

    const handle = await stub.snapshot();
    expect(handle).toMatchObject({ backend: "isolate" });
    const object = await env.BLOBS.head((handle as { key: string }).key);
    expect(object!.size).toBeLessThan(16 * MiB); // gzip of spaces: the upload streamed, compressed

    // The next tool use provisions a fresh sandbox and restores the snapshot into it.
    expect(await tool(listing)).toBe(before);
    expect(await tool("cat notes.txt; tail -c 1 f8")).toBe("small\nx");
  });
});
