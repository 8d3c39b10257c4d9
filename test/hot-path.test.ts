// The session hot path (issue #16): what was taken off it must not change what a client sees.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import Anthropic from "@anthropic-ai/sdk";
import { app } from "../src/app";
import { PrincipalCache, PRINCIPAL_CACHE_TTL_MS } from "../src/middleware/principal-cache";
import { admin, newTenant, worker } from "./helpers/client";
import { createEnvironmentKey, bearerClient } from "./helpers/hands";
import { say, selfHosted, sessionTenant, waitForEvents, waitForIdle } from "./helpers/sessions";

describe("hot path", () => {
  it("routes with Hono's RegExpRouter, not the trie it falls back to when a route cannot be compiled", async () => {
    await worker.fetch("http://x/health");
    expect(app.router.name).toBe("SmartRouter + RegExpRouter");
  });

  it("a revoked API key stops working at once in the isolate that revoked it", async () => {
    const { workspaceId, client } = await newTenant();
    await client.beta.agents.list(); // looked up, now cached
    const key = await admin(`/workspaces/${workspaceId}/api_keys`, { name: "second" });
    const second = new Anthropic({ apiKey: key.key, baseURL: "http://x", fetch: (u, i) => worker.fetch(new Request(u as string, i)), maxRetries: 0 });
    await second.beta.agents.list();
    await admin(`/workspaces/${workspaceId}/api_keys/${key.id}/revoke`, {});
    await expect(second.beta.agents.list()).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    await client.beta.agents.list(); // the other key is unaffected
  });

  it("an isolate that did not see the revocation trusts a cached key for at most PRINCIPAL_CACHE_TTL_MS", () => {
    let now = 1_000_000;
    const cache = new PrincipalCache(PRINCIPAL_CACHE_TTL_MS, () => now);
    const principal = { kind: "api_key" as const, workspaceId: "wrkspc_1", apiKeyId: "apikey_1" };
    cache.set("hash", principal);
    now += PRINCIPAL_CACHE_TTL_MS - 1;
    expect(cache.get("hash")).toEqual(principal);
    now += 1;
    expect(cache.get("hash")).toBeUndefined(); // looked up in D1 again, where the revocation is
    cache.set("hash", principal);
    cache.forget("apikey_1");
    expect(cache.get("hash")).toBeUndefined();
    cache.set("token", { kind: "sessions_token", workspaceId: "w", environmentId: "e", sessionId: "s", workId: null, epoch: 1, tokenId: "t" });
    expect(cache.get("token")).toBeUndefined(); // never cached
  });

  it("sessions.retrieve reads the object's state, so a D1 mirror that lags cannot show a stale status", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say("hi")] });
    await waitForIdle(client, session.id);
    // A mirror write not landed yet (deferred, or lost to a crash until the next wake) leaves D1 behind the object.
    await env.DB.prepare("UPDATE sessions SET status = 'running', usage = '{}' WHERE id = ?").bind(session.id).run();
    const read = await client.beta.sessions.retrieve(session.id);
    expect(read.status).toBe("idle");
    expect(read.usage.output_tokens).toBeGreaterThan(0);
  });

  it("send, list and stream refuse another workspace's session and a malformed id with the same 404", async () => {
    const { client, agent, environment } = await sessionTenant();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const { client: other } = await newTenant();
    for (const id of [session.id, "sesn_nope", "../x"]) {
      const err = await other.beta.sessions.events.send(id, { events: [say("hi")] }).catch((e) => e);
      expect(err).toBeInstanceOf(Anthropic.NotFoundError);
      expect(err.error.error.message).toBe(`session not found: ${id}`);
      await expect(other.beta.sessions.events.list(id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
      await expect(other.beta.sessions.events.stream(id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    }
  });

  it("says on the stream when tool uses wait for a self-hosted worker, and when one claims them", async () => {
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] }, selfHosted);
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, { events: [say('[[tool:bash {"command":"echo hi"}]]')] });
    const waiting = (e: any) => e.type === "session.status_running" && e.waiting_for_hands === true;
    await waitForEvents(client, session.id, waiting, { timeout: 10_000 });
    const key = await createEnvironmentKey(client, environment.id);
    expect(await bearerClient(key.key).beta.environments.work.poll(environment.id)).not.toBeNull();
    const events = await waitForEvents(client, session.id, (e: any) => e.type === "session.status_running" && e.waiting_for_hands === false);
    // Still one run: the hands status is not a new `session.status_running` without the field.
    expect(events.filter((e: any) => e.type === "session.status_running" && !("waiting_for_hands" in e))).toHaveLength(1);
  });
});
