import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";
import { vi } from "vitest";
import { z } from "zod";

/** Workers forbid `new Function`, which the SDK's default (ajv) validator compiles schemas with. */
const acceptAll: jsonSchemaValidator = {
  getValidator: () => (input: unknown) => ({ valid: true, data: input as never, errorMessage: undefined }),
};

export interface TestMcpServer {
  url: string;
  /** Access tokens the server accepts right now (a test revokes one to make it "expired"). */
  accepted: Set<string>;
  /** Every Authorization header the MCP endpoint received, in order. */
  authorizations: string[];
  /** Bodies the token endpoint received. */
  tokenRequests: URLSearchParams[];
  /** Tool calls the server ran. */
  calls: Array<{ name: string; args: unknown }>;
  /** While true the MCP endpoint answers 503 (a server that is down). */
  down: boolean;
  /** Refresh-token grants: refresh token → the tokens it is exchanged for. */
  refreshGrants: Map<string, { access_token: string; refresh_token?: string; expires_in?: number }>;
}

/**
 * A real MCP server (the SDK's `McpServer` over its web-standard Streamable HTTP transport, stateless), plus
 * an OAuth token endpoint, answering `https://<host>/mcp` and `https://<host>/oauth/token` from inside the
 * test isolate: `globalThis.fetch` is routed to it, so the session Durable Object's MCP client reaches it.
 * Tools: `echo {text}` and `add {a, b}`.
 */
export function serveMcp(host = `mcp-${crypto.randomUUID().slice(0, 8)}.test`): TestMcpServer {
  const server: TestMcpServer = {
    url: `https://${host}/mcp`,
    accepted: new Set(),
    authorizations: [],
    tokenRequests: [],
    calls: [],
    down: false,
    refreshGrants: new Map(),
  };
  // Several servers (and other fakes) can share the spy: each passes on what is not its host.
  const original = globalThis.fetch;
  const spy = vi.isMockFunction(original) ? vi.mocked(original) : vi.spyOn(globalThis, "fetch");
  const previous = (spy.getMockImplementation() ?? original) as typeof fetch;
  spy.mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input as RequestInfo, init);
    const url = new URL(req.url);
    if (url.host !== host) return previous(input as RequestInfo, init);
    if (url.pathname === "/oauth/token") return token(server, req);
    if (url.pathname !== "/mcp") return new Response("not found", { status: 404 });
    if (server.down) return new Response("unavailable", { status: 503 });
    const authorization = req.headers.get("authorization") ?? "";
    server.authorizations.push(authorization);
    const presented = authorization.replace(/^Bearer /, "");
    if (!server.accepted.has(presented)) {
      return Response.json({ error: "invalid_token" }, { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' } });
    }
    return mcpResponse(server, req);
  });
  return server;
}

async function mcpResponse(server: TestMcpServer, req: Request): Promise<Response> {
  const mcp = new McpServer({ name: "test-mcp", version: "1.0.0" }, { jsonSchemaValidator: acceptAll });
  mcp.registerTool("echo", { description: "Echo the text back", inputSchema: { text: z.string() } }, async ({ text }) => {
    server.calls.push({ name: "echo", args: { text } });
    return { content: [{ type: "text", text: `echo: ${text}` }] };
  });
  mcp.registerTool("add", { description: "Add two numbers", inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => {
    server.calls.push({ name: "add", args: { a, b } });
    return { content: [{ type: "text", text: String(a + b) }] };
  });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await mcp.connect(transport);
  return transport.handleRequest(req);
}

async function token(server: TestMcpServer, req: Request): Promise<Response> {
  const form = new URLSearchParams([...(await req.formData())] as [string, string][]);
  server.tokenRequests.push(form);
  const grant = form.get("grant_type") === "refresh_token" ? server.refreshGrants.get(form.get("refresh_token") ?? "") : undefined;
  if (!grant) return Response.json({ error: "invalid_grant" }, { status: 400 });
  server.accepted.add(grant.access_token);
  return Response.json({ token_type: "Bearer", ...grant });
}
