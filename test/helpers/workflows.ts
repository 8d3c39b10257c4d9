import type Anthropic from "@anthropic-ai/sdk";
import type { BetaManagedAgentsSessionEvent } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { expect, vi } from "vitest";
import type { SessionDurableObject } from "../../durable-objects/session/session-durable-object";
import { collect } from "./assertions";
import { newTenant } from "./client";
import { allEvents, types } from "./sessions";

/** Shared by the workflow run tests (workflows.test.ts, workflow-programs.test.ts). */

export type Event = BetaManagedAgentsSessionEvent;

/** A tenant whose "Lead" agent may start workflow runs using predefined agent "Worker" (and inline agents), with a session of Lead. */
export async function workflowSession(workerConfig: Record<string, unknown> = {}) {
  const tenant = await newTenant();
  const { client } = tenant;
  const worker = await client.beta.agents.create({ name: "Worker", description: "Does one phase and reports.", model: "claude-fake-1", ...workerConfig });
  const lead = await client.beta.agents.create({
    name: "Lead",
    model: "claude-fake-1",
    multiagent: { type: "multiagent_20261001", subagents: { type: "disabled" }, workflows: { type: "enabled", predefined_agents: [worker.id] } },
  });
  const environment = await client.beta.environments.create({ name: `env-${crypto.randomUUID()}` });
  const session = await client.beta.sessions.create({ agent: lead.id, environment_id: environment.id });
  return { ...tenant, worker, lead, session };
}

export const threadsOf = (client: Anthropic, sessionId: string) => collect(client.beta.sessions.threads.list(sessionId));
export const runEvents = (events: Event[]) => events.filter((e) => e.type.startsWith("workflow_run."));
export const stubOf = (sessionId: string) => env.SESSIONS.get(env.SESSIONS.idFromName(sessionId)) as DurableObjectStub<SessionDurableObject>;

/** Waits until `runs` runs have ended and the session has settled (idle, every thread idle or terminated). */
export async function settled(client: Anthropic, sessionId: string, runs = 1, timeout = 15_000) {
  return vi.waitFor(
    async () => {
      const events = await allEvents(client, sessionId);
      expect(events.filter((e) => e.type === "workflow_run.status_ended")).toHaveLength(runs);
      expect(events[events.length - 1].type).toBe("session.status_idle");
      const threads = await threadsOf(client, sessionId);
      for (const thread of threads) expect(["idle", "terminated"]).toContain(thread.status);
      expect((await client.beta.sessions.retrieve(sessionId)).status).toBe("idle");
      return { events, threads };
    },
    { timeout, interval: 25 },
  );
}

/** Kills the session's Durable Object instance, as an eviction or a crash would. */
export const crash = (sessionId: string) => runInDurableObject(stubOf(sessionId), (_instance, state) => state.abort("simulated crash")).catch(() => {});

/** Crashes the session once `count` run threads each have a model call under way. */
export async function crashWhileWorking(client: Anthropic, sessionId: string, count: number) {
  await vi.waitFor(
    async () => {
      const children = (await threadsOf(client, sessionId)).filter((t) => t.parent_thread_id !== null);
      expect(children).toHaveLength(count);
      for (const child of children) {
        const own = await collect(client.beta.sessions.threads.events.list(child.id, { session_id: sessionId }));
        expect(types(own)).toContain("span.model_request_start");
      }
    },
    { timeout: 5000, interval: 10 },
  );
  await crash(sessionId);
}

/** The run's events of one kind, typed. */
export const ofType = <T extends Event["type"]>(events: Event[], type: T) => events.filter((e): e is Extract<Event, { type: T }> => e.type === type);
export const answersOf = (events: Event[]) => ofType(events, "agent.message").map((e) => (e.content[0] as { text: string }).text);
export const childThreads = (threads: Awaited<ReturnType<typeof threadsOf>>) => threads.filter((t) => t.parent_thread_id !== null);


/** The run events of a run of two phases that completed. */
export const RUN_OF_TWO_PHASES = [
  "workflow_run.created",
  "workflow_run.status_running",
  "workflow_run.phase_started",
  "workflow_run.phase_ended",
  "workflow_run.phase_started",
  "workflow_run.phase_ended",
  "workflow_run.status_ended",
];
