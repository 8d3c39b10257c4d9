import type { Hono } from "hono";
import { generateSpecs } from "hono-openapi";
import { scopedAccess, type Principal } from "../middleware/auth";
import { WEBHOOKS_BETA } from "../routes/webhooks";
import { NAMED_WORK_ROUTES } from "../routes/environment-work";
import { DREAMS_BETA } from "../schemas/dreams";
import { TUNNELS_BETA } from "../schemas/tunnels";
import { FILES_API_BETA, SKILLS_BETA } from "../schemas/legacy-betas";
import { operations } from "./operations";
import { json, responsesFor, sharedComponents } from "./responses";

/**
 * `GET /openapi.json`: every route the app answers, from hono-openapi's walk of the app's routes (query and
 * JSON bodies from the zod schemas `validate()` registers), completed from `operations.ts` (summary, answers),
 * the credentials `requireApiKey` accepts on each path, and the beta header each resource requires.
 */

type Json = Record<string, any>;

const MANAGED_AGENTS_BETA = "managed-agents-2026-04-01";

/** Which `anthropic-beta` a path needs, as its router's gate checks it, or (not required) what one selects. */
function betaFor(path: string): { value: string; required: boolean; description: string } | undefined {
  if (path.startsWith("/v1/organizations/webhooks")) {
    return { value: WEBHOOKS_BETA, required: true, description: `Must include \`${WEBHOOKS_BETA}\`; without it this API answers 404.` };
  }
  if (path.startsWith("/v1/tunnels")) {
    return { value: TUNNELS_BETA, required: true, description: `Must include \`${TUNNELS_BETA}\`.` };
  }
  if (path.startsWith("/v1/dreams")) {
    return { value: DREAMS_BETA, required: true, description: `Must include \`${DREAMS_BETA}\`.` };
  }
  if (path.startsWith("/v1/memory_stores")) {
    return { value: "agent-memory-2026-07-22", required: true, description: `Must include \`agent-memory-2026-07-22\` or \`${MANAGED_AGENTS_BETA}\`.` };
  }
  if (/^\/v1\/(agents|environments|vaults|sessions|deployments|deployment_runs)\b/.test(path)) {
    return { value: MANAGED_AGENTS_BETA, required: true, description: `Must include \`${MANAGED_AGENTS_BETA}\` (comma-separated betas).` };
  }
  // Files and skills need no beta; the dated ones SDKs before 0.122 send select those betas' shapes.
  if (path.startsWith("/v1/files")) {
    return { value: FILES_API_BETA, required: false, description: `Optional. \`${FILES_API_BETA}\` (SDKs before 0.122) lists files in that beta's \`Page\` shape (\`has_more\`, \`first_id\`, \`last_id\`; paged with \`before_id\` / \`after_id\`).` };
  }
  if (path.startsWith("/v1/skills")) {
    return { value: SKILLS_BETA, required: false, description: `Optional. \`${SKILLS_BETA}\` (SDKs before 0.122) selects that beta's shapes: \`display_title\` for \`display_name\` (in the form too), \`latest_version\` and a version's \`version\` as Unix-microsecond numbers (accepted in \`{version}\`), \`source\` as a string, a version's \`directory\`; a skill's last version may be deleted (\`latest_version: null\`), as that beta allowed before deleting the skill.` };
  }
  return undefined;
}

const PUBLIC_PATHS = new Set(["/health", "/openapi.json"]);

/** The credentials a path takes, read from the same `scopedAccess` rules the auth middleware enforces. */
function securityFor(method: string, honoPath: string): Json[] {
  if (PUBLIC_PATHS.has(honoPath)) return [];
  if (honoPath.startsWith("/admin")) return [{ adminToken: [] }];
  if (honoPath.startsWith("/tunnels/")) return [{ tunnelToken: [] }];
  const concrete = honoPath.replace(/:[a-z_]+/g, "id");
  const scoped: Principal[] = [
    { kind: "environment_key", workspaceId: "w", environmentId: "id", keyId: "k" },
    { kind: "sessions_token", workspaceId: "w", environmentId: "id", sessionId: "id", workId: "id", epoch: 0, tokenId: "t" },
  ];
  const schemes: Json[] = [{ apiKey: [] }, { bearerApiKey: [] }];
  for (const principal of scoped) {
    const access = scopedAccess(principal, method, concrete);
    if (access !== "unauthorized") schemes.push({ [principal.kind === "environment_key" ? "environmentKey" : "sessionsToken"]: [] });
  }
  return schemes;
}

const securitySchemes = {
  apiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "A workspace API key (`sk-ma-...`), minted by the admin API." },
  bearerApiKey: { type: "http", scheme: "bearer", description: "The same workspace API key as `Authorization: Bearer` (the SDK's `authToken`)." },
  environmentKey: {
    type: "http",
    scheme: "bearer",
    description: "An environment key (`POST /v1/environments/{id}/keys`): only its environment's work queue (poll, ack, heartbeat, stop, stats, list). Also accepted as `x-api-key`.",
  },
  sessionsToken: {
    type: "http",
    scheme: "bearer",
    description: "A sessions token from a work item's `secret`: only its one session's events, its work item's heartbeat/stop, its agent's skills and its attached memory stores. Also accepted as `x-api-key`.",
  },
  adminToken: { type: "http", scheme: "bearer", description: "The operator's `ADMIN_TOKEN` secret, for `/admin` only." },
  tunnelToken: { type: "http", scheme: "bearer", description: "A tunnel's token (`reveal_token` / `rotate_token`), for `/tunnels/connect` only." },
};

const camel = (words: string) =>
  words
    .replace(/[^A-Za-z ]/g, " ")
    .split(/\s+/)
    .filter((w) => w && !["a", "an", "the", "s"].includes(w.toLowerCase()))
    .map((w, i) => (i ? w[0].toUpperCase() + w.slice(1) : w.toLowerCase()))
    .join("");

/** One tag per resource: the first segment under /v1 (`/v1/organizations/webhooks` is the webhooks API). */
const tagOf = (path: string) =>
  path.startsWith("/admin") ? "admin" : path.startsWith("/tunnels/") ? "tunnels" : path.startsWith("/v1/organizations/") ? path.split("/")[3] : path.startsWith("/v1/") ? path.split("/")[2] : "server";

export async function buildOpenApiDocument(app: Hono<any>): Promise<Json> {
  const spec: Json = await generateSpecs(app, {
    includeEmptyPaths: true,
    excludeStaticFile: false,
    // `/__...` segments are the e2e harness's hooks (HANDS_TEST_HOOKS=1 only; 404 in every deployment).
    exclude: ["/", "/console", /\/__/],
    defaultValidationErrorResponse: false,
    documentation: {
      info: {
        title: "Managed Agents API (Cloudflare)",
        version: MANAGED_AGENTS_BETA,
        description:
          "The Claude Managed Agents API, served by Workers, Durable Objects, D1 and R2; use it with the official `@anthropic-ai/sdk`. " +
          "Every error answers `{type: \"error\", error: {type, message}, request_id}`.",
        license: { name: "Apache-2.0", identifier: "Apache-2.0" },
      },
      servers: [{ url: "/", description: "This server (the document's own origin)" }],
      components: { securitySchemes } as Json,
    },
  });
  for (const key of NAMED_WORK_ROUTES) {
    const [method, path] = key.split(" ");
    const openApiPath = path.replace(/:([a-z_]+)/g, "{$1}");
    const parameters = [...path.matchAll(/:([a-z_]+)/g)].map(([, name]) => ({ in: "path", name, required: true, schema: { type: "string" } }));
    spec.paths[openApiPath] = { ...spec.paths[openApiPath], [method.toLowerCase()]: { parameters } };
  }
  const tags = new Set<string>();
  for (const [openApiPath, methods] of Object.entries(spec.paths as Json)) {
    const honoPath = openApiPath.replace(/\{([^}]+)\}/g, ":$1");
    for (const [method, operation] of Object.entries(methods as Json)) {
      const key = `${method.toUpperCase()} ${honoPath}`;
      // A route without an entry is still listed (test/openapi.test.ts fails until operations.ts describes it).
      const described = operations[key] ?? { summary: key, returns: json("Success.", { type: "object" }) };
      const tag = tagOf(honoPath);
      tags.add(tag);
      operation.operationId = camel(described.summary);
      operation.summary = described.summary;
      if (described.description) operation.description = described.description;
      operation.tags = [tag];
      operation.security = securityFor(method.toUpperCase(), honoPath);
      const beta = betaFor(honoPath);
      const betaHeader = beta && {
        in: "header",
        name: "anthropic-beta",
        required: beta.required,
        description: beta.description,
        schema: { type: "string", example: beta.value },
      };
      const parameters = [...(operation.parameters ?? []), ...(described.parameters ?? []), ...(betaHeader ? [betaHeader] : [])];
      if (parameters.length) operation.parameters = parameters;
      if (described.body) operation.requestBody = described.body;
      operation.responses = responsesFor(described.returns, { hasId: honoPath.includes(":"), public: PUBLIC_PATHS.has(honoPath) });
    }
  }
  spec.tags = [...tags].sort().map((name) => ({ name, description: `The ${name.replace(/_/g, " ")} endpoints.` }));
  spec.components = {
    ...spec.components,
    schemas: { ...spec.components?.schemas, ...sharedComponents.schemas },
    responses: sharedComponents.responses,
    securitySchemes,
  };
  return spec;
}

/** The route handler: the document is built once per isolate (the routes do not change while it runs). */
export function openApiDocumentHandler(app: Hono<any>) {
  let document: Promise<Json> | undefined;
  return async (c: { json: (body: unknown) => Response }) => c.json(await (document ??= buildOpenApiDocument(app)));
}
