import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import Anthropic, { toFile } from "@anthropic-ai/sdk";
import { admin, newTenant } from "./helpers/client";

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);
const upload = (client: Anthropic, n: number, name = "data.bin") => toFile(bytes(n), name).then((file) => client.beta.files.upload({ file }));
const usage = async (workspaceId: string) => (await admin(`/workspaces/${workspaceId}/limits`)).usage.storage_bytes;
const blobCount = async (workspaceId: string) => (await env.BLOBS.list({ prefix: `workspaces/${workspaceId}/` })).objects.length;

/** The SDK's error for a refused upload, with the code and the limit it names. */
async function quotaError(promise: Promise<unknown>) {
  const err: any = await promise.catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.StorageQuotaExceededError);
  expect(err.status).toBe(400);
  expect(err.errorCode).toBe("storage_quota_exceeded");
  expect(err.error.error.message).toMatch(/max_storage_bytes: 10000 bytes/);
  return err;
}

describe("max_storage_bytes", () => {
  it("refuses a file upload past the workspace's storage with StorageQuotaExceededError, keeping nothing; deleting frees space", async () => {
    const { workspaceId, client } = await newTenant();
    const other = await newTenant();
    await admin(`/workspaces/${workspaceId}/limits`, { max_storage_bytes: 10_000 });

    const first = await upload(client, 6_000);
    expect(await usage(workspaceId)).toBe(6_000);
    await expect(upload(client, 6_000)).rejects.toBeInstanceOf(Anthropic.StorageQuotaExceededError);
    const err = await quotaError(upload(client, 4_001));
    expect(err.error.error.message).toMatch(/6000 bytes are stored.*this upload has 4001/);
    // Nothing of the refused uploads is left: no row, no blob.
    expect((await client.beta.files.list()).data.map((f) => f.id)).toEqual([first.id]);
    expect(await blobCount(workspaceId)).toBe(1);

    // Exactly up to the limit fits; another workspace is not affected.
    await upload(client, 4_000);
    await upload(other.client, 20_000);
    await quotaError(upload(client, 1));
    await client.beta.files.delete(first.id);
    expect(await usage(workspaceId)).toBe(4_000);
    await upload(client, 6_000);
  });

  it("counts skill versions too: skills.create and versions.create are refused the same way", async () => {
    const { workspaceId, client } = await newTenant();
    await admin(`/workspaces/${workspaceId}/limits`, { max_storage_bytes: 10_000 });
    const skillFiles = async (script: number) => [
      await toFile(new TextEncoder().encode("---\nname: big\ndescription: Big.\n---\n"), "big/SKILL.md"),
      await toFile(bytes(script, 1), "big/data.bin"),
    ];
    const skill = await client.beta.skills.create({ files: await skillFiles(5_000) });
    const stored = await usage(workspaceId);
    expect(stored).toBeGreaterThan(5_000);
    await quotaError(client.beta.skills.versions.create(skill.id, { files: await skillFiles(5_000) }));
    await quotaError(upload(client, 10_000 - stored + 1));
    await upload(client, 10_000 - stored);
    await quotaError(client.beta.skills.create({ files: await skillFiles(10) }));
    expect((await client.beta.skills.list()).data.map((s) => s.id)).toEqual([skill.id]);
    expect((await client.beta.skills.versions.list(skill.id)).data).toHaveLength(1);
    expect(await blobCount(workspaceId)).toBe(2);
  });
});
