// The Managed Agents API, as this console uses it: same origin, the key in `x-api-key` (never in a URL).

export const BETA = "managed-agents-2026-04-01";
const KEY_STORAGE = "managed-agents.console.api-key";

export class ApiError extends Error {
  /** @param {number} status @param {string} type @param {string} message */
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

/** The key lives in sessionStorage: gone when the tab closes, never shared with other tabs or sent in URLs. */
export const storedKey = () => sessionStorage.getItem(KEY_STORAGE);
/** @param {string} key */
export const storeKey = (key) => sessionStorage.setItem(KEY_STORAGE, key);
export const forgetKey = () => sessionStorage.removeItem(KEY_STORAGE);

/** @param {string} apiKey */
export function createApi(apiKey) {
  /**
   * @param {"GET" | "POST" | "DELETE"} method
   * @param {string} path
   * @param {{ query?: Record<string, string | number | boolean | string[] | undefined>, body?: unknown }} [options]
   */
  async function request(method, path, { query, body } = {}) {
    const url = new URL(path, location.origin);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === "") continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(v));
    }
    const headers = { "x-api-key": apiKey, "anthropic-beta": BETA, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, "network_error", "Cannot reach the server. Check your connection.");
    }
    const json = await res.json().catch(() => null);
    if (!res.ok) {
      throw new ApiError(res.status, json?.error?.type ?? "api_error", json?.error?.message ?? `HTTP ${res.status}`);
    }
    return json;
  }

  /** Every item of a PageCursor list, up to `max`. @param {string} path @param {Record<string, any>} [query] */
  async function all(path, query = {}, max = 1000) {
    const items = [];
    let page;
    do {
      const res = await request("GET", path, { query: { ...query, page } });
      items.push(...res.data);
      page = res.next_page ?? undefined;
    } while (page && items.length < max);
    return items;
  }

  return {
    apiKey,
    /** Any read of the public API. @param {string} path @param {Record<string, any>} [query] */
    get: (path, query) => request("GET", path, { query }),
    /** Every item of a list (PageCursor), up to `max`. @param {string} path @param {Record<string, any>} [query] */
    list: (path, query = {}, max = 500) => all(path, { limit: 100, ...query }, max),
    /** @param {Record<string, any>} query */
    listSessions: (query) => request("GET", "/v1/sessions", { query }),
    /** Sessions across pages, newest first, up to `max`. @param {Record<string, any>} query @param {number} max */
    allSessions: (query, max) => all("/v1/sessions", { ...query, limit: 100 }, max),
    /** A session's first user message, or undefined. @param {string} id */
    firstMessage: async (id) =>
      (await request("GET", `/v1/sessions/${encodeURIComponent(id)}/events`, { query: { limit: 1, "types[]": "user.message" } })).data[0],
    /** @param {string} id */
    archiveSession: (id) => request("POST", `/v1/sessions/${encodeURIComponent(id)}/archive`),
    /** @param {string} id */
    deleteSession: (id) => request("DELETE", `/v1/sessions/${encodeURIComponent(id)}`),
    /** @param {string} id */
    getSession: (id) => request("GET", `/v1/sessions/${encodeURIComponent(id)}`),
    /** @param {{ agent: string, environment_id: string, title?: string }} body */
    createSession: (body) => request("POST", "/v1/sessions", { body }),
    /** Every event of a session, oldest first. @param {string} id */
    listEvents: (id) => all(`/v1/sessions/${encodeURIComponent(id)}/events`, { limit: 1000 }, Infinity),
    /** @param {string} id @param {object[]} events */
    sendEvents: (id, events) => request("POST", `/v1/sessions/${encodeURIComponent(id)}/events`, { body: { events } }),
    listAgents: () => all("/v1/agents", { limit: 100 }, 500),
    listEnvironments: () => all("/v1/environments", { limit: 100 }, 500),
    /** The newest work items of a self-hosted environment's queue. @param {string} id */
    /** @param {string} id */
    getEnvironment: (id) => request("GET", `/v1/environments/${encodeURIComponent(id)}`),
  };
}

/** @typedef {ReturnType<typeof createApi>} Api */
