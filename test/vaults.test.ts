import Anthropic from "@anthropic-ai/sdk";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { expectApiError as rejects } from "./helpers/assertions";
import { newTenant, raw } from "./helpers/client";

const vaultCount = async (workspaceId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM vaults WHERE workspace_id = ?").bind(workspaceId).first<{ n: number }>())!
    .n;

describe("vaults", () => {
  it("creates, retrieves, updates and deletes a vault", async () => {
    const { client } = await newTenant();
    const vault = await client.beta.vaults.create({ display_name: "Alice", metadata: { external_user_id: "usr_1" } });
    expect(vault).toMatchObject({
      type: "vault",
      display_name: "Alice",
      metadata: { external_user_id: "usr_1" },
      archived_at: null,
    });
    expect(vault.id).toMatch(/^vlt_/);
    expect(Date.parse(vault.created_at)).not.toBeNaN();
    expect(vault.updated_at).toBe(vault.created_at);

    expect(await client.beta.vaults.retrieve(vault.id)).toEqual(vault);

    const updated = await client.beta.vaults.update(vault.id, {
      display_name: "Alice B.",
      metadata: { external_user_id: null, tier: "pro" },
    });
    expect(updated).toMatchObject({ id: vault.id, display_name: "Alice B.", metadata: { tier: "pro" } });
    expect(updated.updated_at >= vault.updated_at).toBe(true);
    // Omitted fields are preserved.
    const again = await client.beta.vaults.update(vault.id, { metadata: { region: "eu" } });
    expect(again).toMatchObject({ display_name: "Alice B.", metadata: { tier: "pro", region: "eu" } });
    expect(await client.beta.vaults.retrieve(vault.id)).toEqual(again);

    expect(await client.beta.vaults.delete(vault.id)).toEqual({ type: "vault_deleted", id: vault.id });
    await rejects(client.beta.vaults.retrieve(vault.id), 404, "not_found_error");
    await rejects(client.beta.vaults.delete(vault.id), 404, "not_found_error");
  });

  it("pages through every vault with for await, newest first", async () => {
    const { client } = await newTenant();
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await client.beta.vaults.create({ display_name: `v${i}` })).id);

    const first = await client.beta.vaults.list({ limit: 3 });
    expect(first.data).toHaveLength(3);
    expect(first.next_page).toEqual(expect.any(String));

    const seen: string[] = [];
    for await (const vault of client.beta.vaults.list({ limit: 3 })) seen.push(vault.id);
    expect(seen).toEqual([...created].reverse());
  });

  it("archives one way: hidden from lists unless asked, read-only, idempotent", async () => {
    const { client } = await newTenant();
    const keep = await client.beta.vaults.create({ display_name: "keep" });
    const gone = await client.beta.vaults.create({ display_name: "gone" });

    const archived = await client.beta.vaults.archive(gone.id);
    expect(archived.archived_at).toEqual(expect.any(String));
    expect(await client.beta.vaults.retrieve(gone.id)).toEqual(archived);
    expect((await client.beta.vaults.archive(gone.id)).archived_at).toBe(archived.archived_at);

    const active = (await client.beta.vaults.list()).data.map((v) => v.id);
    expect(active).toEqual([keep.id]);
    const all = (await client.beta.vaults.list({ include_archived: true })).data.map((v) => v.id);
    expect(all).toEqual([gone.id, keep.id]);

    await rejects(client.beta.vaults.update(gone.id, { display_name: "again" }), 400, "invalid_request_error");
    expect((await client.beta.vaults.retrieve(gone.id)).display_name).toBe("gone");
    // Archived vaults can still be deleted.
    await client.beta.vaults.delete(gone.id);
  });

  it("rejects invalid bodies with invalid_request_error naming the field, writing nothing", async () => {
    const { client, workspaceId, apiKey } = await newTenant();
    const cases: Array<[unknown, string]> = [
      [{}, "display_name"],
      [{ display_name: "" }, "display_name"],
      [{ display_name: "x".repeat(256) }, "display_name"],
      [{ display_name: 42 }, "display_name"],
      [{ display_name: "ok", metadata: { k: 1 } }, "metadata"],
      [{ display_name: "ok", metadata: { ["k".repeat(65)]: "v" } }, "metadata"],
      [{ display_name: "ok", metadata: { k: "v".repeat(513) } }, "metadata"],
      [{ display_name: "ok", metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }, "metadata"],
      [{ display_name: "ok", surprise: true }, "surprise"],
    ];
    for (const [body, field] of cases) {
      const err = await rejects(client.beta.vaults.create(body as any), 400, "invalid_request_error");
      expect(err.error.error.message).toContain(field);
    }
    expect(await vaultCount(workspaceId)).toBe(0);

    const vault = await client.beta.vaults.create({ display_name: "ok", metadata: { a: "1" } });
    await rejects(client.beta.vaults.update(vault.id, { display_name: "" }), 400, "invalid_request_error");
    const tooMany = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, "v"]));
    const err = await rejects(client.beta.vaults.update(vault.id, { metadata: tooMany }), 400, "invalid_request_error");
    expect(err.error.error.message).toContain("metadata");
    expect(await client.beta.vaults.retrieve(vault.id)).toEqual(vault);

    const bad = await raw("/v1/vaults?limit=0", { apiKey });
    expect(bad.status).toBe(400);
  });

  it("requires the managed-agents beta header", async () => {
    const { apiKey } = await newTenant();
    const res = await raw("/v1/vaults", { apiKey, headers: { "anthropic-beta": "files-api-2025-04-14" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error" } });
  });

  it("isolates tenants: another workspace's vault is a 404 and never listed", async () => {
    const alice = await newTenant("alice");
    const mallory = await newTenant("mallory");
    const vault = await alice.client.beta.vaults.create({ display_name: "alice's" });

    await rejects(mallory.client.beta.vaults.retrieve(vault.id), 404, "not_found_error");
    await rejects(mallory.client.beta.vaults.update(vault.id, { display_name: "pwned" }), 404, "not_found_error");
    await rejects(mallory.client.beta.vaults.archive(vault.id), 404, "not_found_error");
    await rejects(mallory.client.beta.vaults.delete(vault.id), 404, "not_found_error");
    expect((await mallory.client.beta.vaults.list({ include_archived: true })).data).toEqual([]);

    expect(await alice.client.beta.vaults.retrieve(vault.id)).toEqual(vault);
  });
});
