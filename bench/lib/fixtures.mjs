// What every benchmark needs from the API: a tenant with an agent and an environment, user messages,
// and event streams (SSE through the SDK, WebSocket through Node's built-in client) read with deadlines.
import Anthropic from "@anthropic-ai/sdk";

export const BETA_HEADERS = { "anthropic-beta": "managed-agents-2026-04-01" };

/** Requests resent because a kept-alive connection was closed under them (counted, and reported). */
export const connectionRetries = { count: 0 };

/**
 * fetch, resending once when a reused keep-alive connection turns out closed by the local proxy before any
 * response (a client/proxy race, not an API failure). Everything else, errors included, passes through.
 */
async function fetchOnce(input, init) {
  try {
    return await fetch(input, init);
  } catch (err) {
    const code = err?.cause?.code;
    if (code !== "UND_ERR_SOCKET" && code !== "ECONNRESET") throw err;
    if (init?.signal?.aborted) throw err;
    connectionRetries.count++;
    return fetch(input, init);
  }
}

/** The official SDK, unmodified, pointed at the stack; its own retries off, so every failure counts. */
export const sdk = (stack, apiKey, options = {}) =>
  new Anthropic({ baseURL: stack.baseURL, apiKey, maxRetries: 0, logLevel: "off", fetch: fetchOnce, ...options });

/** A workspace and its API key, through the admin API as an operator would. */
export async function createWorkspace(stack, name) {
  const res = await fetch(`${stack.baseURL}/admin/workspaces`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  if (!res.ok) throw new Error(`creating workspace ${name}: ${res.status} ${await res.text()}`);
  const workspace = await res.json();
  return { workspaceId: workspace.id, apiKey: workspace.api_key.key };
}

/** A workspace with an agent on the fake model and a cloud environment: enough to start sessions. */
export async function tenant(stack, name, agentParams = {}) {
  const { workspaceId, apiKey } = await createWorkspace(stack, name);
  const client = sdk(stack, apiKey);
  const agent = await client.beta.agents.create({ name: `${name}-agent`, model: "claude-fake-1", ...agentParams });
  const environment = await client.beta.environments.create({ name: `${name}-env-${Date.now()}` });
  const newSession = (params = {}) => client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, ...params });
  return { workspaceId, apiKey, client, agent, environment, newSession };
}

export const say = (text) => ({ type: "user.message", content: [{ type: "text", text }] });

const timeout = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms).unref());

/** An SDK event stream read one event at a time, each read with a deadline. */
export async function openSse(client, sessionId, query = {}) {
  const stream = await client.beta.sessions.events.stream(sessionId, query);
  const it = stream[Symbol.asyncIterator]();
  return {
    async next(ms = 30_000) {
      const { value, done } = await Promise.race([it.next(), timeout(ms, "an SSE event")]);
      if (done) throw new Error("SSE stream ended");
      return value;
    },
    /** Reads until `match`, returning every event read (the match last). */
    async until(match, ms = 30_000) {
      const seen = [];
      const deadline = Date.now() + ms;
      for (;;) {
        const event = await this.next(Math.max(1, deadline - Date.now()));
        seen.push(event);
        if (match(event)) return seen;
      }
    },
    close: () => stream.controller.abort(),
  };
}

/**
 * `GET /v1/sessions/:id/events/ws` with Node's WebSocket (run node with --experimental-websocket on Node 20).
 * `onEvent` gets each parsed event with its arrival time.
 */
export function openWs(stack, apiKey, sessionId, onEvent) {
  const url = `${stack.baseURL.replace(/^http/, "ws")}/v1/sessions/${sessionId}/events/ws`;
  const ws = new WebSocket(url, { headers: { "x-api-key": apiKey, ...BETA_HEADERS } });
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve({ close: () => ws.close() });
    ws.onerror = (e) => reject(new Error(`WebSocket ${url}: ${e.message ?? "failed"}`));
    ws.onmessage = (message) => onEvent(JSON.parse(message.data), performance.now());
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
