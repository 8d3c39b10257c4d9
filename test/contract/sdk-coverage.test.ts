import { describe, expect, it } from "vitest";
import Anthropic from "@anthropic-ai/sdk";
import { VERSION } from "@anthropic-ai/sdk/version";
import { newTenant, worker } from "../helpers/client";
import { deltaTypes } from "../../src/schemas/events";
import { ORGANIZATION_EVENT_TYPES } from "../../src/webhooks/events";
import { EVENTS, ERRORS, METHODS, renderCompatibility } from "./compatibility.mjs";
import { declaration, literalUnion, sdkDeclarations } from "./sdk-source";

/** The managed-agents resources of `client.beta` (the SDK's other beta namespaces are other products). */
const ROOTS = ["agents", "environments", "sessions", "vaults", "memoryStores", "files", "skills", "deployments", "deploymentRuns", "dreams", "tunnels", "webhooks"];

const raw = (pattern: Record<string, string>) => pattern;
const projectFiles = raw(
  import.meta.glob(["/src/**/*.ts", "/durable-objects/**/*.ts", "/test/**/*.{ts,mjs}", "/docs/compatibility.md"], {
    query: "?raw",
    import: "default",
    eager: true,
  }) as Record<string, string>,
);
const serverSource = Object.entries(projectFiles)
  .filter(([path]) => path.startsWith("/src/") || path.startsWith("/durable-objects/"))
  .map(([, text]) => text)
  .join("\n");
const errorClassTable = Object.values(
  import.meta.glob("/node_modules/@anthropic-ai/sdk/core/error-classes.mjs", { query: "?raw", import: "default", eager: true }) as Record<string, string>,
)[0];

/** Every public method of the SDK's managed-agents resource classes, walked at runtime as `beta.x.y.method`. */
function sdkMethods(client: Anthropic): Map<string, { owner: object; name: string }> {
  const found = new Map<string, { owner: object; name: string }>();
  const seen = new Set<object>();
  const walk = (resource: any, path: string) => {
    if (!resource || typeof resource !== "object" || seen.has(resource)) return;
    seen.add(resource);
    for (let proto = Object.getPrototypeOf(resource); proto && proto !== Object.prototype && proto.constructor.name !== "APIResource"; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (name !== "constructor" && !name.startsWith("_") && typeof proto[name] === "function") found.set(`${path}.${name}`, { owner: resource, name });
      }
    }
    for (const [key, child] of Object.entries(resource)) if (!key.startsWith("_") && child && typeof child === "object" && (child as any)._client) walk(child, `${path}.${key}`);
  };
  for (const root of ROOTS) walk((client.beta as any)[root], `beta.${root}`);
  walk(client.beta.organization.webhooks, "beta.organization.webhooks");
  return found;
}

/** Every `type` a session stream can carry: the members of `BetaManagedAgentsStreamSessionEvents`, resolved to their literal. */
function sdkStreamEventTypes(): string[] {
  const union = declaration("beta/sessions/events.d.ts").match(/export type BetaManagedAgentsStreamSessionEvents = ([^;]+);/)![1];
  const all = Object.values(sdkDeclarations).join("\n");
  return union.split("|").map((member) => {
    const name = member.trim().replace(/^\w+\./, "");
    const body = all.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`));
    const type = body?.[1].match(/\n {4}type: '([^']+)';/);
    if (!type) throw new Error(`cannot resolve the type of ${name}`);
    return type[1];
  });
}

/** The typed errors that concern managed agents: those of its modules, and every `@throws` its methods declare. */
function sdkTypedErrors(): Map<string, string> {
  const byClass = new Map<string, string>();
  for (const [, status, code, name] of errorClassTable.matchAll(/\['(\d+) ([a-z_]+)', (\w+)\]/g)) byClass.set(name, `${status} ${code}`);
  const modules = /^import \{([^}]+)\} from "\.\.\/resources\/(beta\/environments\/[\w-]+|files|skills\/skills)\.mjs";$/gm;
  const names = new Set<string>();
  for (const [, list] of errorClassTable.matchAll(modules)) for (const n of list.split(",")) if (n.trim()) names.add(n.trim());
  const managed = /^\/node_modules\/@anthropic-ai\/sdk\/resources\/beta\/(agents|environments|sessions|vaults|memory-stores|files|skills|deployments|deployment-runs|dreams|tunnels|webhooks|organization\/webhooks)(\/|\.d\.ts)/;
  for (const [path, text] of Object.entries(sdkDeclarations)) {
    if (managed.test(path)) for (const [, n] of text.matchAll(/@throws \{(\w+)\}/g)) names.add(n);
  }
  return new Map([...names].map((n) => [n, byClass.get(n) ?? ""]));
}

/** Captures the HTTP request an SDK method makes, without sending it anywhere. */
async function requestOf(owner: object, name: string): Promise<Request | undefined> {
  let captured: Request | undefined;
  const capture = new Anthropic({
    baseURL: "http://managed-agents.test",
    apiKey: "capture",
    maxRetries: 0,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      captured ??= new Request(input as RequestInfo, init);
      return Response.json({ type: "error", error: { type: "not_found_error", message: "captured" } }, { status: 404 });
    },
  });
  const target = pathTo(capture, owner);
  const params: Record<string, unknown> = {
    environment_id: "env_x", session_id: "sesn_x", vault_id: "vlt_x", memory_store_id: "memstore_x", skill_id: "skill_x",
    tunnel_id: "tun_x", deployment_id: "depl_x", memory_id: "mem_x",
    file: new File(["x"], "x.txt"), files: [new File(["x"], "skill/SKILL.md")],
  };
  for (const args of [["id_x", params], [params]]) {
    try {
      await target[name](...args);
    } catch {
      // the 404 above, or a client-side refusal of these arguments: only the captured request matters
    }
    if (captured) return captured;
  }
  return undefined;
}

/** The same resource in another client, found by the path the walk took. */
const resourcePaths = new Map<object, string[]>();
function pathTo(client: Anthropic, owner: object): any {
  return resourcePaths.get(owner)!.reduce((node: any, key) => node[key], client);
}

describe("the SDK's managed-agents surface, as this server serves it", () => {
  const client = new Anthropic({ apiKey: "walk" });
  const methods = sdkMethods(client);
  for (const [path, { owner }] of methods) resourcePaths.set(owner, path.split(".").slice(0, -1));

  it(`lists every method of the installed SDK (${VERSION}) in the compatibility table, and nothing else`, () => {
    expect(methods.size).toBeGreaterThan(100);
    expect([...methods.keys()].sort()).toEqual(Object.keys(METHODS).sort());
  });

  it("routes every method marked served or differs, and none marked not served (each called through the SDK)", async () => {
    const { apiKey } = await newTenant();
    const wrong: string[] = [];
    for (const [path, { owner, name }] of methods) {
      const entry = (METHODS as Record<string, { status: string; test?: string }>)[path];
      if (entry.status === "helper") {
        const test = projectFiles[`/${entry.test}`];
        if (!test?.includes(`.${name}(`)) wrong.push(`${path}: helper, but ${entry.test} never calls .${name}(`);
        continue;
      }
      const request = await requestOf(owner, name);
      if (!request) {
        wrong.push(`${path}: the SDK made no request`);
        continue;
      }
      const headers = new Headers(request.headers);
      headers.set("x-api-key", apiKey);
      headers.delete("authorization");
      const body = ["GET", "HEAD"].includes(request.method) ? undefined : await request.arrayBuffer();
      const response = await worker.fetch(request.url, { method: request.method, headers, body });
      const text = await response.text();
      const routed = !text.includes('"no route for ');
      const url = new URL(request.url);
      if (routed !== (entry.status !== "not_served")) wrong.push(`${path} (${request.method} ${url.pathname}): ${entry.status}, but ${routed ? "routed" : "no route"}`);
    }
    expect(wrong).toEqual([]);
  });

  it("lists every stream event type, and the server produces exactly those marked produced", () => {
    const types = sdkStreamEventTypes();
    expect(types.length).toBeGreaterThan(40);
    expect([...new Set(types)].sort()).toEqual(Object.keys(EVENTS).sort());
    const wrong = Object.entries(EVENTS)
      .filter(([type, e]) => serverSource.includes(`"${type}"`) !== (e.status === "produced"))
      .map(([type, e]) => `${type}: ${e.status}, but the server's source ${e.status === "produced" ? "never names it" : "names it"}`);
    expect(wrong).toEqual([]);
  });

  it("lists every typed error of the managed-agents surface; those marked raised carry their error_code somewhere in the server", () => {
    const errors = sdkTypedErrors();
    expect([...errors.keys()].sort()).toEqual(Object.keys(ERRORS).sort());
    const wrong = Object.entries(ERRORS)
      .map(([name, e]) => [name, e, errors.get(name)!.split(" ")[1]] as const)
      .filter(([, e, code]) => serverSource.includes(`"${code}"`) !== (e.status === "raised"))
      .map(([name, e, code]) => `${name} (${code}): ${e.status}`);
    expect(wrong).toEqual([]);
  });

  it("knows every value of the SDK's managed-agents enums (a newer SDK adding one fails here)", () => {
    const known: Record<string, readonly string[]> = {
      "beta/sessions/events.d.ts#BetaManagedAgentsSessionEventType": Object.keys(EVENTS).filter((t) => !t.startsWith("event_") && t !== "session.deleted"),
      "beta/sessions/sessions.d.ts#BetaManagedAgentsDeltaType": deltaTypes.unwrap().element.options,
      "beta/sessions/threads/threads.d.ts#BetaManagedAgentsSessionThreadStatus": ["running", "idle", "rescheduling", "terminated"],
      "beta/sessions/events.d.ts#BetaManagedAgentsAgentEvaluatedPermission": ["allow", "ask", "deny"],
      "beta/vaults/credentials.d.ts#BetaManagedAgentsCredentialValidationStatus": ["valid", "invalid", "unknown"],
      "beta/deployments.d.ts#BetaManagedAgentsDeploymentStatus": ["active", "paused"],
      "beta/deployment-runs.d.ts#BetaManagedAgentsTriggerType": ["schedule", "manual"],
      "beta/memory-stores/memory-versions.d.ts#BetaManagedAgentsMemoryVersionOperation": ["created", "modified", "deleted"],
      "beta/memory-stores/memories.d.ts#BetaManagedAgentsMemoryView": ["basic", "full"],
      "beta/agents/agents.d.ts#BetaManagedAgentsWebFetchURLSourceShorthand": ["all", "none"],
    };
    for (const [where, values] of Object.entries(known)) {
      const [file, name] = where.split("#");
      expect(literalUnion(file, name).sort(), where).toEqual([...values].sort());
    }
    const enabledEvents = declaration("beta/organization/webhooks.d.ts").match(/enabled_events: Array<([^>]+)>/)![1];
    expect([...enabledEvents.matchAll(/'([^']+)'/g)].map((m) => m[1]).sort()).toEqual([...ORGANIZATION_EVENT_TYPES].sort());
  });

  it("docs/compatibility.md is the table rendered from test/contract/compatibility.mjs (run `node scripts/compatibility.mjs`)", () => {
    expect(projectFiles["/docs/compatibility.md"]).toBe(renderCompatibility(VERSION));
  });
});
