import Anthropic from "@anthropic-ai/sdk";
import { BetaEnvironmentArchivedError, BetaEnvironmentNotFoundError } from "@anthropic-ai/sdk/resources/beta/environments";
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { database } from "../src/db/client";
import { parseCron, nextRuns } from "../src/deployments/cron";
import { runDeployment } from "../src/deployments/run";
import { deploymentScheduler, jitterMs, planNextFire } from "../src/deployments/schedule";
import { startSession } from "../src/deployments/start-session";
import { findDeployment } from "../src/deployments/store";
import { collect, expectApiError } from "./helpers/assertions";
import { newTenant, raw } from "./helpers/client";
import { types, waitForIdle } from "./helpers/sessions";

type CreateParams = Anthropic.Beta.DeploymentCreateParams;

const MESSAGE = { type: "user.message" as const, content: [{ type: "text" as const, text: "Run the weekly scan." }] };
const YEARLY = { type: "cron" as const, expression: "0 0 1 1 *", timezone: "UTC" };

afterEach(() => {
  vi.restoreAllMocks();
});

/** A tenant with an agent and an environment to deploy. */
async function setup() {
  const tenant = await newTenant();
  const agent = await tenant.client.beta.agents.create({ name: "scanner", model: "claude-sonnet-4-6" });
  const environment = await tenant.client.beta.environments.create({ name: "scan-env" });
  const deploy = (params: Partial<CreateParams> = {}) =>
    tenant.client.beta.deployments.create({
      name: "weekly scan",
      agent: agent.id,
      environment_id: environment.id,
      initial_events: [MESSAGE],
      ...params,
    });
  return { ...tenant, agent, environment, deploy };
}

const scheduler = (deploymentId: string) => deploymentScheduler(env, deploymentId);

describe("deployments: create and retrieve", () => {
  it("creates a manual-only deployment with every field the SDK types, agent pinned to its latest version", async () => {
    const { client, agent, environment, deploy } = await setup();
    const deployment = await deploy();
    expect(deployment).toEqual({
      type: "deployment",
      id: expect.stringMatching(/^depl_/),
      name: "weekly scan",
      description: null,
      agent: { type: "agent", id: agent.id, version: 1 },
      environment_id: environment.id,
      initial_events: [MESSAGE],
      resources: [],
      vault_ids: [],
      metadata: {},
      schedule: null,
      status: "active",
      paused_reason: null,
      created_at: expect.any(String),
      updated_at: deployment.created_at,
      archived_at: null,
    });
    expect(deployment).not.toHaveProperty("budget");
    expect(await client.beta.deployments.retrieve(deployment.id)).toEqual(deployment);
    expect(await scheduler(deployment.id).plan()).toBeNull();
  });

  it("shows the next five cron times in the schedule's timezone and arms the scheduler for the first", async () => {
    const { deploy } = await setup();
    const before = Date.now();
    const deployment = await deploy({ schedule: { type: "cron", expression: "30 9 * * 1-5", timezone: "America/New_York" } });
    const upcoming = deployment.schedule!.upcoming_runs_at!;
    expect(deployment.schedule).toEqual({
      type: "cron",
      expression: "30 9 * * 1-5",
      timezone: "America/New_York",
      last_run_at: null,
      upcoming_runs_at: upcoming,
    });
    expect(upcoming).toEqual(nextRuns(parseCron("30 9 * * 1-5"), "America/New_York", before, 5).map((t) => new Date(t).toISOString()));
    for (const at of upcoming) {
      const local = new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(at));
      expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:30$/);
    }
    const plan = await scheduler(deployment.id).plan();
    expect(plan).toEqual({
      scheduledAt: Date.parse(upcoming[0]),
      fireAt: Date.parse(upcoming[0]) + jitterMs(deployment.id),
      expression: "30 9 * * 1-5",
      timezone: "America/New_York",
    });
    expect(jitterMs(deployment.id)).toBeGreaterThanOrEqual(0);
    expect(jitterMs(deployment.id)).toBeLessThan(30_000);
  });

  it("pins an explicit agent version, keeps it when the agent moves on, and re-pins on update", async () => {
    const { client, agent, deploy } = await setup();
    await client.beta.agents.update(agent.id, { version: 1, name: "scanner v2" });
    const pinned = await deploy({ agent: { type: "agent", id: agent.id, version: 1 } });
    expect(pinned.agent).toEqual({ type: "agent", id: agent.id, version: 1 });
    expect((await deploy()).agent.version).toBe(2);
    await client.beta.agents.update(agent.id, { version: 2, name: "scanner v3" });
    expect((await client.beta.deployments.retrieve(pinned.id)).agent.version).toBe(1);
    expect((await client.beta.deployments.update(pinned.id, { agent: agent.id })).agent.version).toBe(3);
    await expectApiError(client.beta.deployments.update(pinned.id, { agent: { type: "agent", id: agent.id, version: 9 } }), 404, "not_found_error");
  });

  it("stores resources, vaults, metadata and budget; GitHub tokens are write-only and sealed at rest", async () => {
    const { client, deploy } = await setup();
    const vault = await client.beta.vaults.create({ display_name: "creds" });
    const token = "ghp_SECRETSECRETSECRET";
    const deployment = await deploy({
      description: "scans things",
      vault_ids: [vault.id],
      metadata: { team: "sec" },
      budget: { type: "limit", max_list_cost: { amount: "2500", currency: "USD" } },
      resources: [
        { type: "github_repository", url: "https://github.com/acme/app", authorization_token: token, checkout: { type: "branch", name: "main" } },
        { type: "memory_store", memory_store_id: "memstore_1", access: "read_only" },
      ],
    });
    expect(deployment).toMatchObject({
      description: "scans things",
      vault_ids: [vault.id],
      metadata: { team: "sec" },
      budget: { type: "limit", max_list_cost: { amount: "2500", currency: "USD" } },
      resources: [
        { type: "github_repository", url: "https://github.com/acme/app", checkout: { type: "branch", name: "main" } },
        { type: "memory_store", memory_store_id: "memstore_1", access: "read_only" },
      ],
    });
    expect(JSON.stringify(deployment)).not.toContain(token);
    expect(JSON.stringify(await client.beta.deployments.retrieve(deployment.id))).not.toContain(token);
    const stored = await env.DB.prepare("SELECT * FROM deployments WHERE id = ?").bind(deployment.id).first();
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored!.sealed_resources).toMatch(/^v1\./);
  });

  it("rejects bad bodies with invalid_request_error naming the field, writing nothing", async () => {
    const { client, deploy } = await setup();
    const bad = async (params: object, field: RegExp) => {
      const err = await expectApiError(deploy(params as Partial<CreateParams>), 400, "invalid_request_error");
      expect(err.error.error.message).toMatch(field);
    };
    await bad({ initial_events: [] }, /^initial_events:/);
    await bad({ initial_events: Array(51).fill(MESSAGE) }, /^initial_events:/);
    await bad({ initial_events: [{ type: "system.message", content: [{ type: "text", text: "be terse" }] }] }, /initial_events: must include a user.message/);
    await bad({ initial_events: [{ type: "user.interrupt" }] }, /^initial_events\.0/);
    await bad({ name: "" }, /^name:/);
    await bad({ schedule: { type: "cron", expression: "0 9 * *", timezone: "UTC" } }, /^schedule\.expression: expected 5 fields/);
    await bad({ schedule: { type: "cron", expression: "@daily", timezone: "UTC" } }, /^schedule\.expression: predefined shortcuts/);
    await bad({ schedule: { type: "cron", expression: "0 0 L * *", timezone: "UTC" } }, /^schedule\.expression: .*L, W, # and \?/);
    await bad({ schedule: { type: "cron", expression: "0 0 31 2 *", timezone: "UTC" } }, /^schedule\.expression: never matches/);
    await bad({ schedule: { type: "cron", expression: "0 9 * * *", timezone: "Mars/Base" } }, /^schedule\.timezone: "Mars\/Base" is not an IANA timezone/);
    await bad({ schedule: { type: "cron", expression: "0 9 * * *" } }, /^schedule\.timezone:/);
    await bad({ budget: { type: "limit", max_list_cost: { amount: "25.00", currency: "USD" } } }, /^budget\.max_list_cost\.amount:/);
    await bad({ metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }, /^metadata: at most 16/);
    await bad({ vault_ids: ["vlt_1", "vlt_1"] }, /^vault_ids:/);
    await bad({ priority: "high" }, /priority/);
    expect(await collect(client.beta.deployments.list())).toEqual([]);
  });

  it("refuses references that do not exist or cannot be used, with the SDK's typed errors", async () => {
    const { client, agent, environment, deploy } = await setup();
    await expectApiError(deploy({ agent: "agent_missing" }), 404, "not_found_error");
    await expectApiError(deploy({ environment_id: "env_missing" }), 404, "not_found_error");
    await expect(deploy({ environment_id: "env_missing" })).rejects.toBeInstanceOf(BetaEnvironmentNotFoundError);
    await expectApiError(deploy({ vault_ids: ["vlt_missing"] }), 404, "not_found_error");
    await expectApiError(deploy({ resources: [{ type: "file", file_id: "file_missing" }] }), 404, "not_found_error");

    const selfHosted = await client.beta.environments.create({ name: "on-prem", config: { type: "self_hosted" } });
    const err = await expectApiError(
      deploy({ environment_id: selfHosted.id, resources: [{ type: "github_repository", url: "https://github.com/a/b" }] }),
      400,
      "invalid_request_error",
    );
    expect(err.error.error.message).toMatch(/self-hosted/);

    const vault = await client.beta.vaults.create({ display_name: "old" });
    await client.beta.vaults.archive(vault.id);
    await expectApiError(deploy({ vault_ids: [vault.id] }), 400, "invalid_request_error");

    await client.beta.environments.archive(environment.id);
    await expect(deploy()).rejects.toBeInstanceOf(BetaEnvironmentArchivedError);
    await client.beta.agents.archive(agent.id);
    expect((await expectApiError(deploy(), 400, "invalid_request_error")).error.error.message).toMatch(/agent .* is archived/);
    expect(await collect(client.beta.deployments.list({ include_archived: true }))).toEqual([]);
  });

  it("requires the managed-agents beta header", async () => {
    const { apiKey } = await setup();
    const res = await raw("/v1/deployments", { apiKey, headers: { "anthropic-beta": "files-api-2025-04-14" } });
    expect(res.status).toBe(400);
  });
});

describe("deployments: update, list, archive", () => {
  it("updates only what is sent; null clears what can be cleared and is refused for the rest", async () => {
    const { client, deploy } = await setup();
    const deployment = await deploy({ description: "d", metadata: { a: "1", b: "2" }, schedule: YEARLY, budget: { type: "limit", max_list_cost: { amount: "100", currency: "USD" } } });
    const updated = await client.beta.deployments.update(deployment.id, {
      name: "renamed",
      description: "",
      metadata: { a: null, c: "3" },
      initial_events: [MESSAGE, { type: "user.define_outcome", description: "a report", rubric: { type: "text", content: "complete" } }],
      budget: null,
    });
    expect(updated).toMatchObject({ name: "renamed", description: null, metadata: { b: "2", c: "3" }, schedule: { expression: "0 0 1 1 *" } });
    expect(updated.initial_events).toHaveLength(2);
    expect(updated).not.toHaveProperty("budget");
    expect(Date.parse(updated.updated_at)).toBeGreaterThanOrEqual(Date.parse(deployment.updated_at));

    const manual = await client.beta.deployments.update(deployment.id, { schedule: null });
    expect(manual.schedule).toBeNull();
    expect(await scheduler(deployment.id).plan()).toBeNull();
    const rescheduled = await client.beta.deployments.update(deployment.id, { schedule: { type: "cron", expression: "15 * * * *", timezone: "UTC" } });
    expect((await scheduler(deployment.id).plan())?.scheduledAt).toBe(Date.parse(rescheduled.schedule!.upcoming_runs_at![0]));

    for (const field of ["name", "agent", "environment_id", "initial_events"]) {
      await expectApiError(client.beta.deployments.update(deployment.id, { [field]: null } as object), 400, "invalid_request_error");
    }
    expect((await client.beta.deployments.retrieve(deployment.id)).name).toBe("renamed");
  });

  it("pages through every deployment with for await and filters by agent, status and creation time", async () => {
    const { client, deploy } = await setup();
    const other = await client.beta.agents.create({ name: "other", model: "claude-sonnet-4-6" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await deploy({ name: `d${i}` })).id);
    const otherAgent = await deploy({ agent: other.id });
    await client.beta.deployments.pause(ids[1]);
    await client.beta.deployments.archive(ids[2]);

    const all = await collect(client.beta.deployments.list({ limit: 2 }));
    expect(all.map((d) => d.id)).toEqual([otherAgent.id, ids[4], ids[3], ids[1], ids[0]]);
    expect((await collect(client.beta.deployments.list({ include_archived: true }))).map((d) => d.id)).toContain(ids[2]);
    expect((await collect(client.beta.deployments.list({ agent_id: other.id }))).map((d) => d.id)).toEqual([otherAgent.id]);
    expect((await collect(client.beta.deployments.list({ status: "paused" }))).map((d) => d.id)).toEqual([ids[1]]);
    expect((await collect(client.beta.deployments.list({ status: "active" }))).map((d) => d.id)).not.toContain(ids[1]);
    const later = await collect(client.beta.deployments.list({ "created_at[gte]": otherAgent.created_at }));
    expect(later.map((d) => d.id)).toEqual([otherAgent.id]);
    expect(await collect(client.beta.deployments.list({ "created_at[lte]": "2000-01-01T00:00:00Z" }))).toEqual([]);
    await expectApiError(client.beta.deployments.list({ status: "paused", include_archived: true }), 400, "invalid_request_error");
  });

  it("archives one way: idempotent, reported active with no upcoming runs, read-only, schedule cleared", async () => {
    const { client, deploy } = await setup();
    const deployment = await deploy({ schedule: YEARLY });
    await client.beta.deployments.pause(deployment.id);
    const archived = await client.beta.deployments.archive(deployment.id);
    expect(archived).toMatchObject({ status: "active", paused_reason: null, archived_at: expect.any(String) });
    expect(archived.schedule).toMatchObject({ upcoming_runs_at: [], last_run_at: null });
    expect(await client.beta.deployments.archive(deployment.id)).toEqual(archived);
    expect(await scheduler(deployment.id).plan()).toBeNull();
    expect(await collect(client.beta.deployments.list())).toEqual([]);
    for (const call of [
      () => client.beta.deployments.update(deployment.id, { name: "x" }),
      () => client.beta.deployments.pause(deployment.id),
      () => client.beta.deployments.unpause(deployment.id),
      () => client.beta.deployments.run(deployment.id),
    ]) {
      expect((await expectApiError(call(), 400, "invalid_request_error")).error.error.message).toMatch(/is archived/);
    }
  });

  it("isolates tenants: another workspace's deployments and runs are 404s and never listed", async () => {
    const a = await setup();
    const b = await newTenant();
    const deployment = await a.deploy();
    const run = await a.client.beta.deployments.run(deployment.id);
    await expectApiError(b.client.beta.deployments.retrieve(deployment.id), 404, "not_found_error");
    await expectApiError(b.client.beta.deployments.update(deployment.id, { name: "mine" }), 404, "not_found_error");
    await expectApiError(b.client.beta.deployments.pause(deployment.id), 404, "not_found_error");
    await expectApiError(b.client.beta.deployments.archive(deployment.id), 404, "not_found_error");
    await expectApiError(b.client.beta.deployments.run(deployment.id), 404, "not_found_error");
    await expectApiError(b.client.beta.deploymentRuns.retrieve(run.id), 404, "not_found_error");
    expect(await collect(b.client.beta.deployments.list({ include_archived: true }))).toEqual([]);
    expect(await collect(b.client.beta.deploymentRuns.list({ deployment_id: deployment.id }))).toEqual([]);
    // And b cannot deploy a's agent or environment.
    await expectApiError(
      b.client.beta.deployments.create({ name: "x", agent: a.agent.id, environment_id: a.environment.id, initial_events: [MESSAGE] }),
      404,
      "not_found_error",
    );
    expect((await a.client.beta.deployments.retrieve(deployment.id)).name).toBe("weekly scan");
  });
});

describe("deployments: pause, unpause, run", () => {
  it("pauses manually (the schedule stops, upcoming times stay visible) and unpauses from now", async () => {
    const { client, deploy } = await setup();
    const deployment = await deploy({ schedule: YEARLY });
    const paused = await client.beta.deployments.pause(deployment.id);
    expect(paused).toMatchObject({ status: "paused", paused_reason: { type: "manual" } });
    expect(paused.schedule!.upcoming_runs_at).toHaveLength(5);
    expect(await scheduler(deployment.id).plan()).toBeNull();
    expect(await runDurableObjectAlarm(scheduler(deployment.id))).toBe(false);
    expect(await client.beta.deployments.pause(deployment.id)).toEqual(paused);

    const active = await client.beta.deployments.unpause(deployment.id);
    expect(active).toMatchObject({ status: "active", paused_reason: null });
    expect((await scheduler(deployment.id).plan())?.scheduledAt).toBe(Date.parse(active.schedule!.upcoming_runs_at![0]));
    expect(await client.beta.deployments.unpause(deployment.id)).toEqual(active);
  });

  it("starts a real session on a manual run: its initial events run a turn, the run records the session", async () => {
    const { client, agent, environment, deploy } = await setup();
    const deployment = await deploy({ schedule: YEARLY });
    const run = await client.beta.deployments.run(deployment.id);
    expect(run).toEqual({
      type: "deployment_run",
      id: expect.stringMatching(/^drun_/),
      deployment_id: deployment.id,
      agent: { type: "agent", id: agent.id, version: 1 },
      trigger_context: { type: "manual" },
      session_id: expect.stringMatching(/^sesn_/),
      error: null,
      created_at: expect.any(String),
    });
    expect(await client.beta.deploymentRuns.retrieve(run.id)).toEqual(run);
    expect((await collect(client.beta.deploymentRuns.list({ deployment_id: deployment.id }))).map((r) => r.session_id)).toEqual([run.session_id]);

    const session = await client.beta.sessions.retrieve(run.session_id!);
    expect(session).toMatchObject({ agent: { id: agent.id, version: 1 }, environment_id: environment.id });
    const events = await waitForIdle(client, session.id);
    expect(types(events)).toEqual(["user.message", "session.status_running", "span.model_request_start", "agent.message", "span.model_request_end", "session.usage", "session.status_idle"]);
    expect(events.find((e) => e.type === "agent.message")).toMatchObject({ content: [{ type: "text", text: "Echo: Run the weekly scan." }] });

    const after = await client.beta.deployments.retrieve(deployment.id);
    expect(after).toMatchObject({ status: "active", paused_reason: null });
    // Manual runs do not count as the schedule's last run.
    expect(after.schedule!.last_run_at).toBeNull();

    // Allowed while paused: only the schedule is suspended.
    await client.beta.deployments.pause(deployment.id);
    const second = await client.beta.deployments.run(deployment.id);
    expect(second.trigger_context).toEqual({ type: "manual" });
    expect(second.session_id).not.toBe(run.session_id);
  });

  it("fires on schedule from its alarm: starts a session, records the run and sets last_run_at", async () => {
    const { client, deploy } = await setup();
    const deployment = await deploy({ schedule: YEARLY });
    const plan = (await scheduler(deployment.id).plan())!;
    expect(await runDurableObjectAlarm(scheduler(deployment.id))).toBe(true);

    const runs = await collect(client.beta.deploymentRuns.list({ deployment_id: deployment.id }));
    expect(runs).toEqual([
      expect.objectContaining({
        trigger_context: { type: "schedule", scheduled_at: new Date(plan.scheduledAt).toISOString() },
        session_id: expect.stringMatching(/^sesn_/),
        error: null,
      }),
    ]);
    await waitForIdle(client, runs[0].session_id!);
    const after = await client.beta.deployments.retrieve(deployment.id);
    expect(after).toMatchObject({ status: "active", paused_reason: null });
    expect(Date.parse(after.schedule!.last_run_at!)).toBeLessThanOrEqual(Date.now());
    // The next fire is planned strictly after this one.
    expect((await scheduler(deployment.id).plan())!.scheduledAt).toBeGreaterThan(plan.scheduledAt);
  });

  it("starts one session per run id, however often the session plane is asked", async () => {
    const { client, workspaceId, agent, environment, deploy } = await setup();
    const deployment = await deploy();
    const input = {
      workspaceId,
      agent: { type: "agent" as const, id: agent.id, version: 1 },
      environmentId: environment.id,
      initialEvents: [MESSAGE],
      resources: [],
      vaultIds: [],
      budget: null,
      deploymentId: deployment.id,
      runId: "drun_0000idempotencytest0001",
    };
    const first = await startSession(env, input);
    const again = await startSession(env, input);
    expect(again).toEqual(first);
    const sessions = await collect(client.beta.sessions.list());
    expect(sessions.map((s) => s.id)).toEqual([first.sessionId]);
    await waitForIdle(client, first.sessionId);
  });

  it("records at most one run per scheduled instant, however often the fire is retried", async () => {
    const { client, workspaceId, deploy } = await setup();
    const deployment = await deploy({ schedule: YEARLY });
    const row = await findDeployment(database(env.DB), workspaceId, deployment.id);
    const scheduledAt = "2030-01-01T00:00:00.000Z";
    const first = await runDeployment(env, { waitUntil: () => {} }, row, { type: "schedule", scheduledAt });
    const again = await runDeployment(env, { waitUntil: () => {} }, row, { type: "schedule", scheduledAt });
    expect(again.id).toBe(first.id);
    expect(await collect(client.beta.deploymentRuns.list({ deployment_id: deployment.id }))).toHaveLength(1);
  });

  it("plans the next fire strictly after the one just fired, and none for paused or archived deployments", async () => {
    const { workspaceId, deploy } = await setup();
    const deployment = await deploy({ schedule: { type: "cron", expression: "0 12 * * *", timezone: "Europe/Paris" } });
    const row = await findDeployment(database(env.DB), workspaceId, deployment.id);
    const fired = Date.parse("2026-06-01T10:00:00.000Z"); // 12:00 in Paris (CEST)
    expect(planNextFire(row, fired)).toEqual({
      scheduledAt: Date.parse("2026-06-02T10:00:00.000Z"),
      fireAt: Date.parse("2026-06-02T10:00:00.000Z") + jitterMs(deployment.id),
      expression: "0 12 * * *",
      timezone: "Europe/Paris",
    });
    expect(planNextFire({ ...row, status: "paused" }, fired)).toBeNull();
    expect(planNextFire({ ...row, archivedAt: "2026-01-01T00:00:00.000Z" }, fired)).toBeNull();
    expect(planNextFire({ ...row, schedule: null }, fired)).toBeNull();
  });

  it("records a broken reference as the run's typed error, and a scheduled fire pauses with it", async () => {
    const { client, environment, deploy } = await setup();
    const deployment = await deploy({ schedule: YEARLY });
    await client.beta.environments.archive(environment.id);
    const manual = await client.beta.deployments.run(deployment.id);
    expect(manual.error).toEqual({ type: "environment_archived_error", message: `environment ${environment.id} is archived` });
    expect((await client.beta.deployments.retrieve(deployment.id)).status).toBe("active");

    await runDurableObjectAlarm(scheduler(deployment.id));
    expect(await client.beta.deployments.retrieve(deployment.id)).toMatchObject({
      status: "paused",
      paused_reason: { type: "error", error: { type: "environment_archived_error" } },
    });
  });

  it("lists runs across deployments with the SDK's filters", async () => {
    const { client, deploy } = await setup();
    const first = await deploy({ schedule: YEARLY });
    const second = await deploy();
    const manual = await client.beta.deployments.run(first.id);
    await runDurableObjectAlarm(scheduler(first.id));
    const other = await client.beta.deployments.run(second.id);

    const all = await collect(client.beta.deploymentRuns.list({ limit: 1 }));
    expect(all).toHaveLength(3);
    expect(all[0].id).toBe(other.id);
    expect((await collect(client.beta.deploymentRuns.list({ deployment_id: first.id }))).map((r) => r.trigger_context.type)).toEqual(["schedule", "manual"]);
    expect((await collect(client.beta.deploymentRuns.list({ trigger_type: "manual" }))).map((r) => r.id)).toEqual([other.id, manual.id]);
    expect(await collect(client.beta.deploymentRuns.list({ has_error: false }))).toHaveLength(3);
    expect(await collect(client.beta.deploymentRuns.list({ has_error: true }))).toEqual([]);
    expect(await collect(client.beta.deploymentRuns.list({ "created_at[gt]": other.created_at }))).toEqual([]);
    expect((await collect(client.beta.deploymentRuns.list({ "created_at[gte]": other.created_at }))).map((r) => r.id)).toEqual([other.id]);
    expect(await collect(client.beta.deploymentRuns.list({ deployment_id: "depl_nope" }))).toEqual([]);
    await expectApiError(client.beta.deploymentRuns.retrieve("drun_nope"), 404, "not_found_error");
  });
});

describe("deployments: webhooks", () => {
  it("emits deployment.* and deployment_run.* events for each transition", async () => {
    const realFetch = globalThis.fetch;
    // Webhook receivers are stubbed; the fake model (the run's session calls it) is not.
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) =>
      new URL(input instanceof Request ? input.url : String(input)).host === "fake-model.test" ? realFetch(input, init) : new Response("ok"),
    );
    const { client, environment, deploy } = await setup();
    const endpoint = await client.beta.organization.webhooks.create({
      url: "https://receiver.test/hooks",
      enabled_events: [],
      workspace_events: [
        "deployment.created",
        "deployment.updated",
        "deployment.paused",
        "deployment.unpaused",
        "deployment.archived",
        "deployment_run.started",
        "deployment_run.succeeded",
        "deployment_run.failed",
      ],
    } as Anthropic.Beta.Organization.WebhookCreateParams);
    const deployment = await deploy({ schedule: YEARLY });
    await client.beta.deployments.update(deployment.id, { name: "renamed" });
    await client.beta.deployments.pause(deployment.id);
    await client.beta.deployments.pause(deployment.id); // already paused: no event
    await client.beta.deployments.unpause(deployment.id);
    await client.beta.deployments.run(deployment.id); // starts a session
    await client.beta.environments.archive(environment.id);
    await runDurableObjectAlarm(scheduler(deployment.id)); // fails and auto-pauses
    await client.beta.deployments.archive(deployment.id);

    const deliveryLog = () =>
      client.get<{ data: { event_type: string; status: string }[] }>(`/v1/organizations/webhooks/${endpoint.id}/deliveries`, {
        query: { limit: 100, order: "asc" },
        headers: { "anthropic-beta": "webhooks-2026-10-07" },
      });
    // Let the outbox finish sending (to the stubbed network) before the stub goes away.
    await vi.waitFor(async () => expect((await deliveryLog()).data.every((d) => d.status === "succeeded")).toBe(true));
    expect((await deliveryLog()).data.map((d) => d.event_type)).toEqual([
      "deployment.created",
      "deployment.updated",
      "deployment.paused",
      "deployment.unpaused",
      "deployment_run.started",
      "deployment_run.succeeded",
      "deployment_run.started",
      "deployment_run.failed",
      "deployment.paused",
      "deployment.archived",
    ]);
  });
});
