import { describe, expect, it } from "vitest";
import { admin, newTenant, raw } from "./helpers/client";
import { worker } from "./helpers/client";

describe("tenancy and auth", () => {
  it("mints a workspace with a key shown once and listed by prefix only", async () => {
    const workspace = await admin("/workspaces", { name: "acme" });
    expect(workspace.api_key.key).toMatch(/^sk-ma-/);
    const keys = await admin(`/workspaces/${workspace.id}/api_keys`);
    expect(keys.data).toHaveLength(1);
    expect(JSON.stringify(keys)).not.toContain(workspace.api_key.key);
    expect(keys.data[0].partial_key_hint).toBe(`${workspace.api_key.key.slice(0, 12)}...`);
  });

  it("accepts the key as x-api-key and as a bearer token", async () => {
    const { apiKey } = await newTenant();
    expect((await raw("/v1/agents", { apiKey })).status).not.toBe(401);
    const bearer = await raw("/v1/agents", { headers: { authorization: `Bearer ${apiKey}` } });
    expect(bearer.status).not.toBe(401);
  });

  it("rejects a missing, unknown or revoked key with authentication_error", async () => {
    const missing = await raw("/v1/agents");
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect((await raw("/v1/agents", { apiKey: "sk-ma-nope" })).status).toBe(401);

    const { workspaceId, apiKey } = await newTenant();
    const [key] = (await admin(`/workspaces/${workspaceId}/api_keys`)).data;
    const revoked = await admin(`/workspaces/${workspaceId}/api_keys/${key.id}/revoke`, {});
    expect(revoked.revoked_at).not.toBeNull();
    expect((await raw("/v1/agents", { apiKey })).status).toBe(401);
  });

  it("closes the admin API to anyone without the admin token", async () => {
    const res = await worker.fetch("http://x/admin/workspaces", { headers: { authorization: "Bearer wrong" } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { type: "authentication_error" } });
  });

  it("answers unknown routes with not_found_error and a request-id", async () => {
    const { apiKey } = await newTenant();
    const res = await raw("/v1/nothing-here", { apiKey });
    expect(res.status).toBe(404);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    const body = await res.json<any>();
    expect(body).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect(body.request_id).toBe(res.headers.get("request-id"));
  });
});

describe("OpenAPI document", () => {
  it("is generated from the same schemas that validate requests", async () => {
    const res = await worker.fetch("http://x/openapi.json");
    expect(res.status).toBe(200);
    const doc = await res.json<any>();
    expect(doc.openapi).toMatch(/^3\./);
    const createWorkspace = doc.paths["/admin/workspaces"].post;
    expect(createWorkspace.requestBody.content["application/json"].schema.properties).toHaveProperty("name");
  });

  it("rejects an invalid body naming the field, and writes nothing", async () => {
    const before = (await admin("/workspaces?limit=1000")).data.length;
    const res = await worker.fetch("http://x/admin/workspaces", {
      method: "POST",
      headers: { authorization: "Bearer test-admin-token", "content-type": "application/json" },
      body: JSON.stringify({ name: 42 }),
    });
    expect(res.status).toBe(400);
    const body = await res.json<any>();
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("name");
    expect((await admin("/workspaces?limit=1000")).data.length).toBe(before);
  });

  it("rejects malformed JSON and a wrong content type with 400", async () => {
    const headers = { authorization: "Bearer test-admin-token" };
    const bad = await worker.fetch("http://x/admin/workspaces", {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: "{nope",
    });
    expect(bad.status).toBe(400);
    expect((await bad.json<any>()).error.type).toBe("invalid_request_error");
    const text = await worker.fetch("http://x/admin/workspaces", {
      method: "POST",
      headers: { ...headers, "content-type": "text/plain" },
      body: "name=x",
    });
    expect(text.status).toBe(400);
  });
});

describe("anthropic-workspace-id", () => {
  it("is accepted when it names the key's own workspace and answered 404 for any other", async () => {
    const mine = await newTenant("mine");
    const other = await newTenant("other");
    const agent = await mine.client.beta.agents.create({ name: "a", model: "claude-sonnet-4-6", workspace_id: mine.workspaceId });
    expect(agent.id).toMatch(/^agent_/);
    const res = await raw("/v1/agents", { apiKey: mine.apiKey, headers: { "anthropic-workspace-id": other.workspaceId } });
    expect(res.status).toBe(404);
    expect((await res.json<any>()).error.type).toBe("not_found_error");
  });
});
