import Anthropic from "@anthropic-ai/sdk";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client";
import { getAgent } from "../src/db/queries/agents";
import { expectApiError } from "./helpers/assertions";
import { newTenant, raw } from "./helpers/client";

type Client = Anthropic;

async function allAgents(client: Client, params: Anthropic.Beta.AgentListParams = {}) {
  const out: Anthropic.Beta.BetaManagedAgentsAgent[] = [];
  for await (const agent of client.beta.agents.list(params)) out.push(agent);
  return out;
}

describe("agents: create and defaults", () => {
  it("fills every default the response type requires", async () => {
    const { client } = await newTenant();
    const agent = await client.beta.agents.create({ name: "Minimal", model: "claude-opus-4-8" });
    expect(agent.id).toMatch(/^agent_/);
    expect(agent).toMatchObject({
      type: "agent",
      name: "Minimal",
      version: 1,
      description: null,
      system: null,
      model: { id: "claude-opus-4-8", effort: { type: "high" }, speed: "standard" },
      tools: [],
      mcp_servers: [],
      skills: [],
      metadata: {},
      multiagent: null,
      execution_identity: { type: "service_account" },
      archived_at: null,
    });
    expect(agent.model).not.toHaveProperty("inference_geo");
    expect(agent.created_at).toBe(agent.updated_at);
    expect(new Date(agent.created_at).toISOString()).toBe(agent.created_at);
  });

  it("normalises model config, tools, servers and skills", async () => {
    const { client } = await newTenant();
    const agent = await client.beta.agents.create({
      name: "Full",
      model: { id: "claude-opus-4-8", effort: "low", inference_geo: "us" },
      system: "be brief",
      description: "does things",
      mcp_servers: [{ type: "url", name: "github", url: "https://mcp.example.com/github" }],
      tools: [
        {
          type: "agent_toolset_20260401",
          default_config: { permission_policy: { type: "always_ask" } },
          configs: [
            { name: "bash", enabled: false },
            { name: "read", permission_policy: { type: "always_allow" } },
            { name: "web_fetch", url_sources: { user_input: "none", client_tool_results: { type: "only", tools: [{ type: "tool_reference", name: "lookup" }] } } },
          ],
        },
        { type: "mcp_toolset", mcp_server_name: "github", configs: [{ name: "create_issue", enabled: false }] },
        {
          type: "custom",
          name: "lookup",
          description: "Look something up",
          input_schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"], additionalProperties: false },
        },
      ],
      skills: [{ type: "anthropic", skill_id: "xlsx" }, { type: "custom", skill_id: "skill_123", version: "7" }],
      metadata: { team: "core" },
      execution_identity: { type: "aws_role", role_arn: "arn:aws:iam::123456789012:role/runner" },
    });

    expect(agent.model).toEqual({ id: "claude-opus-4-8", effort: { type: "low" }, speed: "standard", inference_geo: "us" });
    expect(agent.tools).toEqual([
      {
        type: "agent_toolset_20260401",
        default_config: { enabled: true, permission_policy: { type: "always_ask" } },
        configs: [
          { name: "bash", type: "bash", enabled: false, permission_policy: { type: "always_ask" } },
          { name: "read", type: "read", enabled: true, permission_policy: { type: "always_allow" } },
          {
            name: "web_fetch",
            type: "web_fetch",
            enabled: true,
            permission_policy: { type: "always_ask" },
            max_content_tokens: null,
            url_sources: {
              user_input: { type: "none" },
              client_tool_results: { type: "only", tools: [{ type: "tool_reference", name: "lookup" }] },
              server_tool_results: null,
            },
          },
        ],
      },
      {
        type: "mcp_toolset",
        mcp_server_name: "github",
        // MCP servers can grow tools at any time, so they default to asking.
        default_config: { enabled: true, permission_policy: { type: "always_ask" } },
        configs: [{ name: "create_issue", enabled: false, permission_policy: { type: "always_ask" } }],
      },
      {
        type: "custom",
        name: "lookup",
        description: "Look something up",
        input_schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"], additionalProperties: false },
      },
    ]);
    expect(agent.mcp_servers).toEqual([{ type: "url", name: "github", url: "https://mcp.example.com/github" }]);
    expect(agent.skills).toEqual([
      { type: "anthropic", skill_id: "xlsx", version: "latest" },
      { type: "custom", skill_id: "skill_123", version: "7" },
    ]);
    expect(agent.execution_identity).toEqual({ type: "aws_role", role_arn: "arn:aws:iam::123456789012:role/runner" });

    // The agent toolset alone defaults to running unattended.
    const bare = await client.beta.agents.create({ name: "Bare", model: "claude-opus-4-8", tools: [{ type: "agent_toolset_20260401" }] });
    expect(bare.tools).toEqual([
      { type: "agent_toolset_20260401", default_config: { enabled: true, permission_policy: { type: "always_allow" } }, configs: [] },
    ]);
  });
});

describe("agents: versions", () => {
  it("creates, updates to version 2, lists both versions, rejects a stale version and retrieves either", async () => {
    const { client } = await newTenant();
    const v1 = await client.beta.agents.create({ name: "Versioned", model: "claude-opus-4-8", system: "one" });

    const v2 = await client.beta.agents.update(v1.id, { version: 1, system: "two" });
    expect(v2).toMatchObject({ id: v1.id, version: 2, system: "two", name: "Versioned", created_at: v1.created_at });

    const versions = [];
    for await (const v of client.beta.agents.versions.list(v1.id)) versions.push(v);
    expect(versions.map((v) => [v.version, v.system])).toEqual([
      [2, "two"],
      [1, "one"],
    ]);

    const stale = await expectApiError(client.beta.agents.update(v1.id, { version: 1, system: "three" }), 409, "conflict_error");
    expect(stale).toBeInstanceOf(Anthropic.ConflictError);
    expect((await client.beta.agents.retrieve(v1.id)).system).toBe("two");

    expect(await client.beta.agents.retrieve(v1.id)).toEqual(v2);
    expect(await client.beta.agents.retrieve(v1.id, { version: 1 })).toMatchObject({ version: 1, system: "one" });
    await expectApiError(client.beta.agents.retrieve(v1.id, { version: 9 }), 404, "not_found_error");

    // Without `version` the update applies unconditionally.
    expect((await client.beta.agents.update(v1.id, { system: "three" })).version).toBe(3);
  });

  it("lets exactly one of several racing updates of the same version win", async () => {
    const { client } = await newTenant();
    const agent = await client.beta.agents.create({ name: "race", model: "claude-opus-4-8" });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => client.beta.agents.update(agent.id, { version: 1, system: `writer ${i}` })),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    for (const r of lost) expect(r.reason).toBeInstanceOf(Anthropic.ConflictError);
    const versions = await client.beta.agents.versions.list(agent.id);
    expect(versions.data.map((v) => v.version)).toEqual([2, 1]);
    expect((await client.beta.agents.retrieve(agent.id)).system).toBe((won[0] as PromiseFulfilledResult<{ system: string }>).value.system);
  });

  it("turns a version written between its check and its write into a conflict", async () => {
    const { client, workspaceId } = await newTenant();
    const agent = await client.beta.agents.create({ name: "race", model: "claude-opus-4-8" });
    // A concurrent writer's version 2 has landed but agents.version has not moved yet.
    await env.DB.prepare(
      "INSERT INTO agent_versions (id, workspace_id, agent_id, version, config, created_at, updated_at) SELECT 'agentver_other', workspace_id, agent_id, 2, config, created_at, updated_at FROM agent_versions WHERE agent_id = ?",
    )
      .bind(agent.id)
      .run();
    await expectApiError(client.beta.agents.update(agent.id, { version: 1, system: "late" }), 409, "conflict_error");
    expect(await getAgent(database(env.DB), workspaceId, agent.id)).toEqual(agent);
  });

  it("does not make a version for an update that changes nothing", async () => {
    const { client } = await newTenant();
    const agent = await client.beta.agents.create({
      name: "Same",
      model: "claude-opus-4-8",
      system: "s",
      metadata: { a: "1" },
      tools: [{ type: "agent_toolset_20260401" }],
    });
    const same = await client.beta.agents.update(agent.id, {
      version: 1,
      system: "s",
      name: "Same",
      model: { id: "claude-opus-4-8", effort: { type: "high" } },
      metadata: { a: "1" },
      tools: [{ type: "agent_toolset_20260401", default_config: { enabled: true } }],
    });
    expect(same).toEqual(agent);
    const versions = await client.beta.agents.versions.list(agent.id);
    expect(versions.data).toHaveLength(1);
  });

  it("preserves omitted fields, clears with null, and patches metadata per key", async () => {
    const { client } = await newTenant();
    const agent = await client.beta.agents.create({
      name: "Patch",
      model: "claude-opus-4-8",
      description: "d",
      system: "s",
      metadata: { keep: "1", drop: "2" },
      skills: [{ type: "anthropic", skill_id: "pdf" }],
    });
    const updated = await client.beta.agents.update(agent.id, {
      description: null,
      system: "",
      metadata: { drop: null, add: "3" },
    });
    expect(updated).toMatchObject({
      version: 2,
      name: "Patch",
      description: null,
      system: null,
      metadata: { keep: "1", add: "3" },
      skills: [{ type: "anthropic", skill_id: "pdf", version: "latest" }],
    });
    expect(updated.metadata).not.toHaveProperty("drop");

    const cleared = await client.beta.agents.update(agent.id, { skills: null, metadata: null });
    expect(cleared).toMatchObject({ version: 3, skills: [], metadata: {} });

    // `model` is whole-object replacement: omitting inference_geo clears it.
    const geo = await client.beta.agents.update(agent.id, { model: { id: "claude-opus-4-8", inference_geo: "eu", effort: "max" } });
    expect(geo.model).toEqual({ id: "claude-opus-4-8", inference_geo: "eu", effort: { type: "max" }, speed: "standard" });
    const noGeo = await client.beta.agents.update(agent.id, { model: "claude-sonnet-4-6" });
    expect(noGeo.model).toEqual({ id: "claude-sonnet-4-6", effort: { type: "high" }, speed: "standard" });
  });

  it("validates the merged result of an update and writes nothing when it fails", async () => {
    const { client } = await newTenant();
    const agent = await client.beta.agents.create({
      name: "Mcp",
      model: "claude-opus-4-8",
      mcp_servers: [{ type: "url", name: "s", url: "https://mcp.example.com" }],
      tools: [{ type: "mcp_toolset", mcp_server_name: "s" }],
    });
    // Dropping the server would leave the toolset dangling.
    await expectApiError(client.beta.agents.update(agent.id, { mcp_servers: [] }), 400, "invalid_request_error");
    // Dropping the toolset would leave the server unreferenced.
    await expectApiError(client.beta.agents.update(agent.id, { tools: [] }), 400, "invalid_request_error");
    await expectApiError(client.beta.agents.update(agent.id, { name: "" }), 400, "invalid_request_error");
    expect(await client.beta.agents.retrieve(agent.id)).toEqual(agent);

    const both = await client.beta.agents.update(agent.id, { tools: null, mcp_servers: null });
    expect(both).toMatchObject({ version: 2, tools: [], mcp_servers: [] });
  });
});

describe("agents: list and pagination", () => {
  it("walks every page with for-await and honours limit", async () => {
    const { client } = await newTenant();
    const created = [];
    for (let i = 0; i < 7; i++) created.push(await client.beta.agents.create({ name: `a${i}`, model: "claude-opus-4-8" }));
    const newestFirst = created.map((a) => a.id).reverse();

    const first = await client.beta.agents.list({ limit: 3 });
    expect(first.data.map((a) => a.id)).toEqual(newestFirst.slice(0, 3));
    expect(first.hasNextPage()).toBe(true);
    const second = await first.getNextPage();
    expect(second.data.map((a) => a.id)).toEqual(newestFirst.slice(3, 6));
    const third = await second.getNextPage();
    expect(third.data.map((a) => a.id)).toEqual(newestFirst.slice(6));
    expect(third.hasNextPage()).toBe(false);

    expect((await allAgents(client, { limit: 2 })).map((a) => a.id)).toEqual(newestFirst);
    expect((await allAgents(client)).map((a) => a.id)).toEqual(newestFirst);
  });

  it("lists each agent at its current version and filters on created_at", async () => {
    const { client } = await newTenant();
    const early = await client.beta.agents.create({ name: "early", model: "claude-opus-4-8" });
    await new Promise((r) => setTimeout(r, 5));
    const late = await client.beta.agents.create({ name: "late", model: "claude-opus-4-8" });
    await client.beta.agents.update(late.id, { name: "late v2" });

    const listed = await allAgents(client);
    expect(listed.map((a) => [a.name, a.version])).toEqual([
      ["late v2", 2],
      ["early", 1],
    ]);
    expect((await allAgents(client, { "created_at[gte]": late.created_at })).map((a) => a.id)).toEqual([late.id]);
    expect((await allAgents(client, { "created_at[lte]": early.created_at })).map((a) => a.id)).toEqual([early.id]);
  });

  it("pages through versions", async () => {
    const { client } = await newTenant();
    const agent = await client.beta.agents.create({ name: "many", model: "claude-opus-4-8" });
    for (let i = 2; i <= 5; i++) await client.beta.agents.update(agent.id, { system: `v${i}` });
    const page = await client.beta.agents.versions.list(agent.id, { limit: 2 });
    expect(page.data.map((v) => v.version)).toEqual([5, 4]);
    const versions = [];
    for await (const v of client.beta.agents.versions.list(agent.id, { limit: 2 })) versions.push(v.version);
    expect(versions).toEqual([5, 4, 3, 2, 1]);
  });
});

describe("agents: archive", () => {
  it("keeps archived agents retrievable but out of lists and read-only", async () => {
    const { client } = await newTenant();
    const live = await client.beta.agents.create({ name: "live", model: "claude-opus-4-8" });
    const agent = await client.beta.agents.create({ name: "old", model: "claude-opus-4-8" });
    const archived = await client.beta.agents.archive(agent.id);
    expect(archived.archived_at).not.toBeNull();
    expect(archived.version).toBe(1);

    expect((await client.beta.agents.retrieve(agent.id)).archived_at).toBe(archived.archived_at);
    expect((await allAgents(client)).map((a) => a.id)).toEqual([live.id]);
    expect((await allAgents(client, { include_archived: true })).map((a) => a.id)).toEqual([agent.id, live.id]);

    await expectApiError(client.beta.agents.update(agent.id, { system: "no" }), 400, "invalid_request_error");
    expect((await client.beta.agents.versions.list(agent.id)).data).toHaveLength(1);

    // Archive is terminal; archiving again changes nothing.
    expect((await client.beta.agents.archive(agent.id)).archived_at).toBe(archived.archived_at);
  });
});

describe("agents: multiagent", () => {
  it("resolves a coordinator roster to concrete versions and follows self across updates", async () => {
    const { client } = await newTenant();
    const worker = await client.beta.agents.create({ name: "worker", model: "claude-opus-4-8" });
    await client.beta.agents.update(worker.id, { system: "v2" });
    const lead = await client.beta.agents.create({
      name: "lead",
      model: "claude-opus-4-8",
      multiagent: {
        type: "coordinator",
        agents: [worker.id, { type: "self" }, { type: "advisor", model: "claude-opus-4-8" }],
      },
    });
    expect(lead.multiagent).toEqual({
      type: "coordinator",
      agents: [
        { type: "agent", id: worker.id, version: 2 },
        { type: "agent", id: lead.id, version: 1 },
        { type: "advisor", model: "claude-opus-4-8" },
      ],
    });
    const v2 = await client.beta.agents.update(lead.id, { system: "lead v2" });
    expect(v2.multiagent).toMatchObject({ agents: [{ version: 2 }, { id: lead.id, version: 2 }, { type: "advisor" }] });

    // Depth limit 1: a roster member cannot coordinate itself.
    await expectApiError(
      client.beta.agents.create({ name: "x", model: "claude-opus-4-8", multiagent: { type: "coordinator", agents: [lead.id] } }),
      400,
      "invalid_request_error",
    );
    await client.beta.agents.archive(worker.id);
    await expectApiError(
      client.beta.agents.create({ name: "y", model: "claude-opus-4-8", multiagent: { type: "coordinator", agents: [worker.id] } }),
      400,
      "invalid_request_error",
    );
    await expectApiError(
      client.beta.agents.create({ name: "z", model: "claude-opus-4-8", multiagent: { type: "coordinator", agents: ["agent_nope"] } }),
      400,
      "invalid_request_error",
    );
  });

  it("fills multiagent_20261001 defaults and merges updates level by level", async () => {
    const { client } = await newTenant();
    const helper = await client.beta.agents.create({ name: "helper", model: "claude-opus-4-8" });
    const agent = await client.beta.agents.create({ name: "m", model: "claude-opus-4-8", multiagent: { type: "multiagent_20261001" } });
    const enabled = { type: "enabled", inline_agents: { type: "enabled" }, predefined_agents: [] };
    expect(agent.multiagent).toEqual({ type: "multiagent_20261001", advisor: { type: "disabled" }, subagents: enabled, workflows: enabled });

    const updated = await client.beta.agents.update(agent.id, {
      multiagent: {
        type: "multiagent_20261001",
        advisor: { type: "enabled", model: "claude-opus-4-8" },
        subagents: { type: "enabled", inline_agents: { type: "disabled" }, predefined_agents: [helper.id] },
      },
    });
    const merged = await client.beta.agents.update(agent.id, {
      multiagent: { type: "multiagent_20261001", workflows: { type: "disabled" }, subagents: { type: "enabled" } },
    });
    expect(updated.version).toBe(2);
    expect(merged.multiagent).toEqual({
      type: "multiagent_20261001",
      advisor: { type: "enabled", model: "claude-opus-4-8" },
      subagents: { type: "enabled", inline_agents: { type: "disabled" }, predefined_agents: [{ type: "agent", id: helper.id, version: 1 }] },
      workflows: { type: "disabled" },
    });
    // Inline agents off and no predefined agents leaves nothing to spawn.
    await expectApiError(
      client.beta.agents.update(agent.id, {
        multiagent: { type: "multiagent_20261001", subagents: { type: "enabled", predefined_agents: null } },
      }),
      400,
      "invalid_request_error",
    );
  });
});

describe("agents: validation", () => {
  const bad: [string, Record<string, unknown>][] = [
    ["missing name", { model: "claude-opus-4-8" }],
    ["missing model", { name: "x" }],
    ["unknown field", { name: "x", model: "claude-opus-4-8", colour: "red" }],
    ["mcp_toolset without its server", { name: "x", model: "claude-opus-4-8", tools: [{ type: "mcp_toolset", mcp_server_name: "gh" }] }],
    [
      "server without an mcp_toolset",
      { name: "x", model: "claude-opus-4-8", mcp_servers: [{ type: "url", name: "gh", url: "https://mcp.example.com" }] },
    ],
    [
      "duplicate server names",
      {
        name: "x",
        model: "claude-opus-4-8",
        mcp_servers: [
          { type: "url", name: "gh", url: "https://a.example.com" },
          { type: "url", name: "gh", url: "https://b.example.com" },
        ],
        tools: [{ type: "mcp_toolset", mcp_server_name: "gh" }],
      },
    ],
    [
      "custom tool whose schema is not an object",
      { name: "x", model: "claude-opus-4-8", tools: [{ type: "custom", name: "t", description: "d", input_schema: { type: "string" } }] },
    ],
    [
      "duplicate custom tool names",
      {
        name: "x",
        model: "claude-opus-4-8",
        tools: [
          { type: "custom", name: "t", description: "d", input_schema: { type: "object" } },
          { type: "custom", name: "t", description: "e", input_schema: { type: "object" } },
        ],
      },
    ],
    ["bad custom tool name", { name: "x", model: "claude-opus-4-8", tools: [{ type: "custom", name: "has space", description: "d", input_schema: { type: "object" } }] }],
    ["unknown agent tool", { name: "x", model: "claude-opus-4-8", tools: [{ type: "agent_toolset_20260401", configs: [{ name: "teleport" }] }] }],
    [
      "allowed and blocked domains together",
      {
        name: "x",
        model: "claude-opus-4-8",
        tools: [{ type: "agent_toolset_20260401", configs: [{ name: "web_fetch", allowed_domains: ["a.com"], blocked_domains: ["b.com"] }] }],
      },
    ],
    ["unknown permission policy", { name: "x", model: "claude-opus-4-8", tools: [{ type: "agent_toolset_20260401", default_config: { permission_policy: { type: "sometimes" } } }] }],
    ["17 metadata keys", { name: "x", model: "claude-opus-4-8", metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }],
    ["65-char metadata key", { name: "x", model: "claude-opus-4-8", metadata: { ["k".repeat(65)]: "v" } }],
    ["513-char metadata value", { name: "x", model: "claude-opus-4-8", metadata: { k: "v".repeat(513) } }],
    ["unknown effort", { name: "x", model: { id: "claude-opus-4-8", effort: "extreme" } }],
    ["bad role arn", { name: "x", model: "claude-opus-4-8", execution_identity: { type: "aws_role", role_arn: "nope" } }],
  ];

  it.each(bad)("rejects %s with invalid_request_error and writes nothing", async (_label, body) => {
    const { client } = await newTenant();
    const err = await expectApiError(
      client.beta.agents.create(body as unknown as Anthropic.Beta.AgentCreateParams),
      400,
      "invalid_request_error",
    );
    expect(err.message.length).toBeGreaterThan(0);
    expect(await allAgents(client, { include_archived: true })).toEqual([]);
  });

  it("names the offending field", async () => {
    const { client } = await newTenant();
    const err = await expectApiError(
      client.beta.agents.create({ name: "x", model: "claude-opus-4-8", tools: [{ type: "mcp_toolset", mcp_server_name: "gh" }] }),
      400,
      "invalid_request_error",
    );
    expect(err.message).toContain("tools.0.mcp_server_name");
  });

  it("requires the managed-agents beta header", async () => {
    const { apiKey } = await newTenant();
    const res = await raw("/v1/agents", { apiKey, headers: { "anthropic-beta": "files-api-2025-04-14" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error" } });
  });

  it("rejects malformed query parameters", async () => {
    const { apiKey } = await newTenant();
    expect((await raw("/v1/agents?limit=0", { apiKey })).status).toBe(400);
    expect((await raw("/v1/agents?include_archived=maybe", { apiKey })).status).toBe(400);
    expect((await raw("/v1/agents?created_at[gte]=yesterday", { apiKey })).status).toBe(400);
  });
});

describe("agents: tenant isolation", () => {
  it("hides one workspace's agents from another", async () => {
    const a = await newTenant("a");
    const b = await newTenant("b");
    const agent = await a.client.beta.agents.create({ name: "private", model: "claude-opus-4-8" });

    await expectApiError(b.client.beta.agents.retrieve(agent.id), 404, "not_found_error");
    await expectApiError(b.client.beta.agents.update(agent.id, { system: "mine" }), 404, "not_found_error");
    await expectApiError(b.client.beta.agents.archive(agent.id), 404, "not_found_error");
    await expectApiError(b.client.beta.agents.versions.list(agent.id), 404, "not_found_error");
    expect(await allAgents(b.client, { include_archived: true })).toEqual([]);
    // A roster cannot reach across workspaces either.
    await expectApiError(
      b.client.beta.agents.create({ name: "x", model: "claude-opus-4-8", multiagent: { type: "coordinator", agents: [agent.id] } }),
      400,
      "invalid_request_error",
    );

    const mine = await a.client.beta.agents.retrieve(agent.id);
    expect(mine).toMatchObject({ version: 1, system: null, archived_at: null });
  });
});

describe("getAgent (the session plane's entry point)", () => {
  it("returns the rendered agent at its latest or a given version, scoped to the workspace", async () => {
    const a = await newTenant("a");
    const b = await newTenant("b");
    const v1 = await a.client.beta.agents.create({ name: "g", model: "claude-opus-4-8", system: "one" });
    const v2 = await a.client.beta.agents.update(v1.id, { system: "two" });
    const db = database(env.DB);

    expect(await getAgent(db, a.workspaceId, v1.id)).toEqual(v2);
    expect(await getAgent(db, a.workspaceId, v1.id, 1)).toMatchObject({ version: 1, system: "one" });
    expect(await getAgent(db, a.workspaceId, v1.id, 3)).toBeUndefined();
    expect(await getAgent(db, b.workspaceId, v1.id)).toBeUndefined();
  });
});
