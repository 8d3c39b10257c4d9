import type Anthropic from "@anthropic-ai/sdk";
import type { BetaManagedAgentsSessionEvent } from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { expect, vi } from "vitest";
import { collect, expectApiError } from "./assertions";
import { newTenant } from "./client";

type Event = BetaManagedAgentsSessionEvent;
type AgentCreate = Parameters<Anthropic["beta"]["agents"]["create"]>[0];
type EnvironmentCreate = Parameters<Anthropic["beta"]["environments"]["create"]>[0];

/**
 * A tenant with an agent (the fake model, any tools given) and an environment: enough to start sessions.
 * The environment is a cloud one (built-in tools run in the session's sandbox) unless `environment` says
 * otherwise; a `self_hosted` one leaves tool results to the test, standing in for the worker.
 */
export async function sessionTenant(agent: Partial<AgentCreate> = {}, environment: Partial<EnvironmentCreate> = {}) {
  const tenant = await newTenant();
  const { client } = tenant;
  const created = await client.beta.agents.create({ name: "tester", model: "claude-fake-1", ...agent } as AgentCreate);
  const env = await client.beta.environments.create({ name: `env-${crypto.randomUUID()}`, ...environment });
  return { ...tenant, agent: created, environment: env };
}

export const selfHosted = { config: { type: "self_hosted" as const } };

/** A custom tool the fake model can be scripted to call (`[[tool:lookup {...}]]`). */
export const lookupTool = {
  type: "custom" as const,
  name: "lookup",
  description: "Look a thing up",
  input_schema: { type: "object" as const, properties: { q: { type: "string" } } },
};

/** A user.message param. */
export const say = (text: string) => ({ type: "user.message" as const, content: [{ type: "text" as const, text }] });

/** Every event of the session, in order, walking every page the SDK offers. */
export const allEvents = (client: Anthropic, sessionId: string, query: Record<string, unknown> = {}): Promise<Event[]> =>
  collect(client.beta.sessions.events.list(sessionId, query));

/**
 * Polls the log until `count` events match (default 1), then returns the whole log. Turns run in the
 * background (the DO's alarm), so tests wait on what the log says, never on time.
 */
export async function waitForEvents(
  client: Anthropic,
  sessionId: string,
  match: (e: Event) => boolean,
  { count = 1, timeout = 10_000 }: { count?: number; timeout?: number } = {},
): Promise<Event[]> {
  return vi.waitFor(
    async () => {
      const events = await allEvents(client, sessionId);
      expect(events.filter(match).length).toBeGreaterThanOrEqual(count);
      return events;
    },
    { timeout, interval: 25 },
  );
}

/** Waits for the `n`th `session.status_idle` (turn end or requires_action). */
export const waitForIdle = (client: Anthropic, sessionId: string, n = 1, timeout?: number) =>
  waitForEvents(client, sessionId, (e) => e.type === "session.status_idle", { count: n, timeout });

export const types = (events: Event[]) => events.map((e) => e.type);

/** Asserts the log invariants: ids and processed_at strictly increasing (so also unique). */
export function expectWellFormedLog(events: Event[]) {
  for (let i = 1; i < events.length; i++) {
    expect(events[i].id > events[i - 1].id, `id ordered at ${i}`).toBe(true);
    expect(events[i].processed_at! > events[i - 1].processed_at!, `processed_at ordered at ${i}`).toBe(true);
  }
}

/** The request bodies the fake model received for a session (the brain sends the session id as user_id). */
export async function modelRequests(sessionId: string): Promise<any[]> {
  const res = await fetch(`http://fake-model.test/_fake/requests?user_id=${sessionId}`);
  return ((await res.json()) as { data: any[] }).data;
}

/** `expectApiError`, plus a check on the message (which must name the offending field or state). */
export async function expectRejected(promise: Promise<unknown>, status: number, type: string, message?: RegExp) {
  const err = await expectApiError(promise, status, type);
  if (message) expect(err.error.error.message).toMatch(message);
  return err;
}
