import Anthropic from "@anthropic-ai/sdk";
import {
  BetaEnvironmentArchivedError,
  BetaEnvironmentNotFoundError,
  BetaInvalidConfigTypeChangeError,
} from "@anthropic-ai/sdk/resources/beta/environments";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client";
import { getEnvironment } from "../src/db/queries/environments";
import { expectApiError } from "./helpers/assertions";
import { newTenant, raw } from "./helpers/client";

const EMPTY_PACKAGES = { type: "packages", apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };

async function allEnvironments(client: Anthropic, params: Anthropic.Beta.EnvironmentListParams = {}) {
  const out: Anthropic.Beta.BetaEnvironment[] = [];
  for await (const environment of client.beta.environments.list(params)) out.push(environment);
  return out;
}

describe("environments: create", () => {
  it("defaults to an unrestricted cloud environment with every field filled", async () => {
    const { client } = await newTenant();
    const environment = await client.beta.environments.create({ name: "default" });
    expect(environment.id).toMatch(/^env_/);
    expect(environment).toEqual({
      type: "environment",
      id: environment.id,
      name: "default",
      description: null,
      config: { type: "cloud", networking: { type: "unrestricted" }, packages: EMPTY_PACKAGES },
      metadata: {},
      scope: "organization",
      created_at: environment.created_at,
      updated_at: environment.created_at,
      archived_at: null,
    });
  });

  it("stores limited networking and packages with their defaults filled", async () => {
    const { client } = await newTenant();
    const environment = await client.beta.environments.create({
      name: "data",
      description: "pandas and friends",
      metadata: { team: "data" },
      config: {
        type: "cloud",
        networking: { type: "limited", allow_package_managers: true, allowed_hosts: ["api.example.com"] },
        packages: { pip: ["pandas==2.2.0", "numpy"], apt: ["ffmpeg"] },
      },
    });
    expect(environment.config).toEqual({
      type: "cloud",
      networking: { type: "limited", allow_mcp_servers: false, allow_package_managers: true, allowed_hosts: ["api.example.com"] },
      packages: { ...EMPTY_PACKAGES, pip: ["pandas==2.2.0", "numpy"], apt: ["ffmpeg"] },
    });
    expect(environment).toMatchObject({ description: "pandas and friends", metadata: { team: "data" } });
    expect(await client.beta.environments.retrieve(environment.id)).toEqual(environment);
  });

  it("creates a self-hosted environment whose config is just its type", async () => {
    const { client } = await newTenant();
    const environment = await client.beta.environments.create({ name: "on-prem", config: { type: "self_hosted" } });
    expect(environment.config).toEqual({ type: "self_hosted" });
    expect((await client.beta.environments.retrieve(environment.id)).config).toEqual({ type: "self_hosted" });
  });

  it("refuses a second live environment with the same name, and frees the name on archive", async () => {
    const { client } = await newTenant();
    const first = await client.beta.environments.create({ name: "dup" });
    await expectApiError(client.beta.environments.create({ name: "dup" }), 409, "conflict_error");
    const other = await client.beta.environments.create({ name: "other" });
    await expectApiError(client.beta.environments.update(other.id, { name: "dup" }), 409, "conflict_error");
    expect((await client.beta.environments.retrieve(other.id)).name).toBe("other");

    await client.beta.environments.archive(first.id);
    expect((await client.beta.environments.create({ name: "dup" })).name).toBe("dup");
    // Another workspace has its own namespace.
    const stranger = await newTenant();
    expect((await stranger.client.beta.environments.create({ name: "other" })).name).toBe("other");
  });
});

describe("environments: update", () => {
  it("merges config: omitted fields keep their value", async () => {
    const { client } = await newTenant();
    const environment = await client.beta.environments.create({
      name: "merge",
      config: {
        type: "cloud",
        networking: { type: "limited", allow_package_managers: true, allowed_hosts: ["a.example.com"] },
        packages: { npm: ["typescript"], pip: ["requests"] },
      },
    });

    const packagesOnly = await client.beta.environments.update(environment.id, {
      config: { type: "cloud", packages: { pip: ["httpx"] } },
    });
    expect(packagesOnly.config).toEqual({
      type: "cloud",
      networking: { type: "limited", allow_mcp_servers: false, allow_package_managers: true, allowed_hosts: ["a.example.com"] },
      packages: { ...EMPTY_PACKAGES, npm: ["typescript"], pip: ["httpx"] },
    });

    const networkOnly = await client.beta.environments.update(environment.id, {
      config: { type: "cloud", networking: { type: "limited", allow_mcp_servers: true } },
    });
    expect(networkOnly.config).toMatchObject({
      networking: { type: "limited", allow_mcp_servers: true, allow_package_managers: true, allowed_hosts: ["a.example.com"] },
      packages: { npm: ["typescript"], pip: ["httpx"] },
    });

    const open = await client.beta.environments.update(environment.id, {
      config: { type: "cloud", networking: { type: "unrestricted" } },
    });
    expect(open.config).toMatchObject({ networking: { type: "unrestricted" }, packages: { npm: ["typescript"] } });
    expect(new Date(open.updated_at) >= new Date(environment.updated_at)).toBe(true);
  });

  it("updates name, description and metadata by their own rules", async () => {
    const { client } = await newTenant();
    const environment = await client.beta.environments.create({
      name: "meta",
      description: "before",
      metadata: { keep: "1", nulled: "2", emptied: "3" },
    });
    const updated = await client.beta.environments.update(environment.id, {
      name: "renamed",
      description: "",
      metadata: { nulled: null, emptied: "", added: "4" },
    });
    expect(updated).toMatchObject({ name: "renamed", description: "", metadata: { keep: "1", added: "4" } });
    expect(Object.keys(updated.metadata).sort()).toEqual(["added", "keep"]);

    const untouched = await client.beta.environments.update(environment.id, {});
    expect(untouched).toMatchObject({ name: "renamed", description: "", config: environment.config });
    expect((await client.beta.environments.update(environment.id, { description: null })).description).toBeNull();
  });

  it("rejects a config type change, an invalid package setup and updates to archived environments", async () => {
    const { client } = await newTenant();
    const environment = await client.beta.environments.create({ name: "fixed" });
    const typeChange = client.beta.environments.update(environment.id, { config: { type: "self_hosted" } });
    await expect(typeChange).rejects.toBeInstanceOf(BetaInvalidConfigTypeChangeError);
    // Packages under limited networking need the package managers to be reachable.
    await expectApiError(
      client.beta.environments.update(environment.id, {
        config: { type: "cloud", networking: { type: "limited" }, packages: { npm: ["left-pad"] } },
      }),
      400,
      "invalid_request_error",
    );
    expect(await client.beta.environments.retrieve(environment.id)).toEqual(environment);

    const archived = await client.beta.environments.archive(environment.id);
    expect(archived.archived_at).not.toBeNull();
    const archivedUpdate = client.beta.environments.update(environment.id, { name: "again" });
    await expect(archivedUpdate).rejects.toBeInstanceOf(BetaEnvironmentArchivedError);
    expect((await client.beta.environments.retrieve(environment.id)).name).toBe("fixed");
  });
});

describe("environments: list, archive and delete", () => {
  it("walks every page, newest first, and hides archived environments unless asked", async () => {
    const { client } = await newTenant();
    const created: Anthropic.Beta.BetaEnvironment[] = [];
    for (let i = 0; i < 5; i++) created.push(await client.beta.environments.create({ name: `env-${i}` }));
    const newestFirst = created.map((e) => e.id).reverse();

    const first = await client.beta.environments.list({ limit: 2 });
    expect(first.data.map((e) => e.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.hasNextPage()).toBe(true);
    expect((await allEnvironments(client, { limit: 2 })).map((e) => e.id)).toEqual(newestFirst);

    const archived = await client.beta.environments.archive(created[2].id);
    expect((await client.beta.environments.archive(created[2].id)).archived_at).toBe(archived.archived_at);
    expect((await allEnvironments(client)).map((e) => e.id)).toEqual(newestFirst.filter((id) => id !== created[2].id));
    expect((await allEnvironments(client, { include_archived: true, limit: 2 })).map((e) => e.id)).toEqual(newestFirst);
    expect((await client.beta.environments.retrieve(created[2].id)).archived_at).toBe(archived.archived_at);
  });

  it("deletes for good", async () => {
    const { client } = await newTenant();
    const environment = await client.beta.environments.create({ name: "doomed" });
    const deleted = await client.beta.environments.delete(environment.id);
    expect(deleted).toEqual({ type: "environment_deleted", id: environment.id });
    const gone = client.beta.environments.retrieve(environment.id);
    await expect(gone).rejects.toBeInstanceOf(BetaEnvironmentNotFoundError);
    await expectApiError(client.beta.environments.retrieve(environment.id), 404, "not_found_error");
    await expectApiError(client.beta.environments.delete(environment.id), 404, "not_found_error");
    expect(await allEnvironments(client, { include_archived: true })).toEqual([]);

    // Archived environments can be deleted too, and the name is free again afterwards.
    const archived = await client.beta.environments.create({ name: "doomed" });
    await client.beta.environments.archive(archived.id);
    expect(await client.beta.environments.delete(archived.id)).toEqual({ type: "environment_deleted", id: archived.id });
  });
});

describe("environments: validation", () => {
  const bad: [string, Record<string, unknown>][] = [
    ["missing name", {}],
    ["blank name", { name: "   " }],
    ["unknown field", { name: "x", colour: "red" }],
    ["unknown config type", { name: "x", config: { type: "kubernetes" } }],
    ["self_hosted with networking", { name: "x", config: { type: "self_hosted", networking: { type: "unrestricted" } } }],
    ["unknown networking type", { name: "x", config: { type: "cloud", networking: { type: "package_managers_and_custom" } } }],
    ["a url as an allowed host", { name: "x", config: { type: "cloud", networking: { type: "limited", allowed_hosts: ["https://a.com/x"] } } }],
    ["packages under closed limited networking", { name: "x", config: { type: "cloud", networking: { type: "limited" }, packages: { pip: ["x"] } } }],
    ["unknown package manager", { name: "x", config: { type: "cloud", packages: { brew: ["x"] } } }],
    ["account scope", { name: "x", scope: "account" }],
    ["17 metadata keys", { name: "x", metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }],
    ["513-char metadata value", { name: "x", metadata: { k: "v".repeat(513) } }],
  ];

  it.each(bad)("rejects %s with invalid_request_error and writes nothing", async (_label, body) => {
    const { client } = await newTenant();
    await expectApiError(
      client.beta.environments.create(body as unknown as Anthropic.Beta.EnvironmentCreateParams),
      400,
      "invalid_request_error",
    );
    expect(await allEnvironments(client, { include_archived: true })).toEqual([]);
  });

  it("rejects a metadata update that would exceed the limits", async () => {
    const { client } = await newTenant();
    const environment = await client.beta.environments.create({
      name: "full",
      metadata: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, "v"])),
    });
    await expectApiError(client.beta.environments.update(environment.id, { metadata: { one_more: "v" } }), 400, "invalid_request_error");
    // Replacing a key keeps the count at 16.
    expect((await client.beta.environments.update(environment.id, { metadata: { k0: null, one_more: "v" } })).metadata).toHaveProperty("one_more");
  });

  it("requires the managed-agents beta header", async () => {
    const { apiKey } = await newTenant();
    const res = await raw("/v1/environments", { apiKey, headers: { "anthropic-beta": "files-api-2025-04-14" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error" } });
  });
});

describe("environments: tenant isolation", () => {
  it("hides one workspace's environments from another", async () => {
    const a = await newTenant("a");
    const b = await newTenant("b");
    const environment = await a.client.beta.environments.create({ name: "private" });

    await expectApiError(b.client.beta.environments.retrieve(environment.id), 404, "not_found_error");
    await expectApiError(b.client.beta.environments.update(environment.id, { name: "mine" }), 404, "not_found_error");
    await expectApiError(b.client.beta.environments.archive(environment.id), 404, "not_found_error");
    await expectApiError(b.client.beta.environments.delete(environment.id), 404, "not_found_error");
    expect(await allEnvironments(b.client, { include_archived: true })).toEqual([]);
    expect(await a.client.beta.environments.retrieve(environment.id)).toEqual(environment);
  });

  it("scopes getEnvironment to the workspace", async () => {
    const a = await newTenant("a");
    const b = await newTenant("b");
    const environment = await a.client.beta.environments.create({ name: "helper", config: { type: "self_hosted" } });
    const db = database(env.DB);
    expect(await getEnvironment(db, a.workspaceId, environment.id)).toEqual(environment);
    expect(await getEnvironment(db, b.workspaceId, environment.id)).toBeUndefined();
  });
});
