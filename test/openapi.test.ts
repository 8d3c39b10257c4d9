import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { operations } from "../src/openapi/operations";
import { NAMED_WORK_HOOKS, NAMED_WORK_ROUTES } from "../src/routes/environment-work";
import { ADMIN_TOKEN, newTenant, worker } from "./helpers/client";

const BASE = "http://managed-agents.test";
const METHODS = ["get", "post", "put", "patch", "delete"];

async function document() {
  const res = await worker.fetch(`${BASE}/openapi.json`);
  expect(res.status).toBe(200);
  return res.json<any>();
}

/** Every route the app answers, as `METHOD /path` (Hono's `:param` form); the console's static pages are not API. */
function answeredRoutes() {
  const routes = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL" || route.path === "/" || route.path.startsWith("/console")) continue;
    routes.add(`${route.method} ${route.path}`);
  }
  // Dispatched by name from `/work/:work_id` (so the app keeps Hono's RegExpRouter): answered, not in the table.
  for (const key of [...NAMED_WORK_ROUTES, ...NAMED_WORK_HOOKS]) routes.add(key);
  return routes;
}

function documentedOperations(doc: any) {
  const found: { key: string; path: string; method: string; operation: any }[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const method of METHODS) {
      if (item[method]) found.push({ key: `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ":$1")}`, path, method, operation: item[method] });
    }
  }
  return found;
}

const resolve = (doc: any, node: any) => (node?.$ref ? node.$ref.split("/").slice(1).reduce((o: any, k: string) => o[k], doc) : node);

describe("GET /openapi.json", () => {
  it("documents every route the server answers, and nothing else (no test-only route)", async () => {
    const doc = await document();
    const documented = new Set(documentedOperations(doc).map((o) => o.key));
    const answered = answeredRoutes();
    // The e2e harness's hooks (`/__enqueue`, `/__sandbox/...`): HANDS_TEST_HOOKS=1 only, 404 in every deployment.
    const hooks = [...answered].filter((r) => r.includes("/__"));
    expect(hooks).toContain("POST /v1/environments/:environment_id/work/__enqueue");
    for (const hook of hooks) answered.delete(hook);
    expect([...answered].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !answered.has(r))).toEqual([]);
    expect(new Set(Object.keys(operations))).toEqual(answered);
    expect(JSON.stringify(doc)).not.toContain("/__");
    expect(answered.size).toBeGreaterThan(100);
  });

  it("gives every response a description and every failure the real error envelope", async () => {
    const doc = await document();
    for (const { key, operation } of documentedOperations(doc)) {
      expect(operation.summary, key).toBeTruthy();
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        expect(resolve(doc, response).description, `${key} ${status}`).toBeTruthy();
      }
      if (key === "GET /health" || key === "GET /openapi.json") continue;
      for (const status of ["400", "401", "default"]) {
        const schema = resolve(doc, resolve(doc, operation.responses[status]).content["application/json"].schema);
        expect(schema.required, `${key} ${status}`).toEqual(["type", "error", "request_id"]);
      }
      if (key.includes(":")) expect(operation.responses["404"], key).toBeDefined();
    }
    expect(JSON.stringify(doc)).not.toContain('"success"');
  });

  it("documents the error envelope the server really sends", async () => {
    const doc = await document();
    const envelope = doc.components.schemas.Error;
    const res = await worker.fetch(`${BASE}/admin/workspaces`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "" }),
    });
    expect(res.status).toBe(400);
    const body = await res.json<any>();
    expect(Object.keys(body).sort()).toEqual(Object.keys(envelope.properties).sort());
    expect(body.type).toBe(envelope.properties.type.const);
    for (const field of envelope.properties.error.required) expect(typeof body.error[field]).toBe("string");
  });

  it("names the credentials each route really takes: the admin token for /admin, API keys for /v1", async () => {
    const doc = await document();
    for (const { key, operation } of documentedOperations(doc)) {
      const schemes = operation.security.flatMap((s: object) => Object.keys(s));
      if (key.includes(" /admin")) expect(schemes, key).toEqual(["adminToken"]);
      else if (key.includes(" /tunnels/")) expect(schemes, key).toEqual(["tunnelToken"]);
      else if (key.includes(" /v1/")) expect(schemes.slice(0, 2), key).toEqual(["apiKey", "bearerApiKey"]);
      else expect(schemes, key).toEqual([]);
    }
    const byKey = Object.fromEntries(documentedOperations(doc).map((o) => [o.key, o.operation]));
    const schemesOf = (key: string) => byKey[key].security.flatMap((s: object) => Object.keys(s));
    expect(schemesOf("GET /v1/environments/:environment_id/work/poll")).toContain("environmentKey");
    expect(schemesOf("GET /v1/sessions/:session_id/events/stream")).toContain("sessionsToken");
    expect(schemesOf("POST /v1/agents")).not.toContain("environmentKey");

    const { apiKey } = await newTenant("openapi-auth");
    // An API key is not the admin token, and the admin token is taken as a Bearer credential.
    expect((await worker.fetch(`${BASE}/admin/workspaces`, { headers: { "x-api-key": apiKey } })).status).toBe(401);
    expect((await worker.fetch(`${BASE}/admin/workspaces`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
  });

  it("documents the beta header exactly where the server requires it", async () => {
    const doc = await document();
    const { apiKey } = await newTenant("openapi-betas");
    for (const { key, path, method, operation } of documentedOperations(doc)) {
      if (!key.includes(" /v1/")) continue;
      const beta = operation.parameters?.find((p: any) => p.in === "header" && p.name === "anthropic-beta");
      const url = `${BASE}${path.replace(/\{[^}]+\}/g, "missing")}`;
      const res = await worker.fetch(url, { method: method.toUpperCase(), headers: { "x-api-key": apiKey } });
      const body = await res.json<any>().catch(() => ({}));
      const refusedForBeta = /anthropic-beta/.test(body?.error?.message ?? "") || (key.includes("/webhooks") && /no route/.test(body?.error?.message ?? ""));
      expect(refusedForBeta, `${key}: ${res.status} ${JSON.stringify(body)}`).toBe(Boolean(beta?.required));
    }
  });
});
