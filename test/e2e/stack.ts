import { afterEach, inject } from "vitest";
import Anthropic from "@anthropic-ai/sdk";

declare module "vitest" {
  export interface ProvidedContext {
    baseURL: string;
    apiKey: string;
    workspaceId: string;
    environmentId: string;
    workdir: string;
    logLevel: "debug" | "off";
  }
}

/** The stack global-setup started: its URL, its self-hosted environment and an API-key client, as the SDK is used. */
export const BETA = { "anthropic-beta": "managed-agents-2026-04-01" };
export const baseURL = inject("baseURL");
export const environmentId = inject("environmentId");
export const client = new Anthropic({ baseURL, apiKey: inject("apiKey"), maxRetries: 0, logLevel: "off" });

/** Cleanups a test registers (stopping the workers it started), run after each test. */
export const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  // Bounded: an aborted worker whose run() never returns must fail its own test, not every later hook.
  for (const stop of stops.splice(0)) await Promise.race([stop(), new Promise((r) => setTimeout(r, 15_000))]);
});

/**
 * A self-hosted environment of the test's own, with a key for its worker: a test whose worker takes the next queued
 * item must not share a queue with other files' sessions (work is queued when a session is created, so any session
 * left unclaimed on the shared environment would be served first).
 */
export async function ownEnvironment(name: string): Promise<{ environmentId: string; key: string; keyId: string }> {
  const environment = await client.beta.environments.create({ name: `${name}-${Date.now()}`, config: { type: "self_hosted" } });
  const key = await client.post<{ id: string; key: string }>(`/v1/environments/${environment.id}/keys`, { body: { name }, headers: BETA });
  return { environmentId: environment.id, key: key.key, keyId: key.id };
}

/** Polls `probe` until it returns a value. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 250));
  }
}
