import { OutboundRefused } from "../../../src/lib/outbound-guard";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";
import type { McpServerAuth } from "./auth";
import type { McpRoute } from "./tunnel";

/** How an MCP server failed, typed as the contract's session error objects. */
export class McpFailure extends Error {
  constructor(
    readonly type: "mcp_connection_failed_error" | "mcp_authentication_failed_error",
    readonly serverName: string,
    message: string,
  ) {
    super(message);
  }
}

export interface McpTool {
  name: string;
  description?: string;
  inputSchema: { type: "object"; [key: string]: unknown };
}

export interface McpCallResult {
  content: Array<{ type: string; [key: string]: unknown }>;
  isError: boolean;
}

/**
 * Tool output schemas are not enforced here (the model reads the content either way), and the SDK's
 * default validator compiles schemas with `new Function`, which Workers forbid.
 */
const acceptAll: jsonSchemaValidator = {
  getValidator: () => (input: unknown) => ({ valid: true, data: input as never, errorMessage: undefined }),
};

/** Connecting and listing hold up the model call; a tool call may take longer. */
const CONNECT_TIMEOUT_MS = 15_000;
const CALL_TIMEOUT_MS = 120_000;

/** One live MCP client session with one server, over Streamable HTTP, authenticated per request. */
export class McpConnection {
  private tools: McpTool[] | undefined;

  private constructor(
    readonly serverName: string,
    private readonly client: Client,
    private readonly auth: ConnectionState,
  ) {}

  /** `route` is how requests leave: the outbound guard's fetch, or a tunnel's relay for a server inside a customer's network. */
  static async open(serverName: string, url: string, auth: McpServerAuth, route: McpRoute): Promise<McpConnection> {
    const { send, via } = route;
    const state: ConnectionState = { rejected: false, via };
    // Every request carries the credential; a 401 earns one refresh (mcp_oauth) and one retry.
    const authedFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
      const attempt = async () => {
        const headers = new Headers(init?.headers);
        const header = await auth.header();
        if (header) headers.set("authorization", header);
        try {
          return await send(input, { ...init, headers });
        } catch (err) {
          if (err instanceof OutboundRefused) state.refused = err.message;
          throw err;
        }
      };
      let res = await attempt();
      if (res.status === 401 && (await auth.refresh())) {
        await res.body?.cancel();
        res = await attempt();
      }
      if (res.status === 401 || res.status === 403) state.rejected = true;
      return res;
    };
    const client = new Client({ name: "managed-agents", version: "1.0.0" }, { jsonSchemaValidator: acceptAll });
    const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: authedFetch });
    try {
      await client.connect(transport, { timeout: CONNECT_TIMEOUT_MS });
    } catch (err) {
      throw classify(serverName, err, state);
    }
    return new McpConnection(serverName, client, state);
  }

  async listTools(): Promise<McpTool[]> {
    if (this.tools) return this.tools;
    const tools: McpTool[] = [];
    try {
      let cursor: string | undefined;
      do {
        const page = await this.client.listTools(cursor ? { cursor } : undefined, { timeout: CONNECT_TIMEOUT_MS });
        tools.push(...(page.tools as McpTool[]));
        cursor = page.nextCursor;
      } while (cursor);
    } catch (err) {
      throw classify(this.serverName, err, this.auth);
    }
    this.tools = tools;
    return tools;
  }

  async callTool(name: string, input: Record<string, unknown>): Promise<McpCallResult> {
    try {
      const result = await this.client.callTool({ name, arguments: input }, undefined, { timeout: CALL_TIMEOUT_MS });
      return { content: (result.content ?? []) as McpCallResult["content"], isError: Boolean(result.isError) };
    } catch (err) {
      // A JSON-RPC error from the server (unknown tool, bad arguments) is the tool's failure, not the connection's.
      if (isProtocolError(err)) return { content: [{ type: "text", text: (err as Error).message }], isError: true };
      throw classify(this.serverName, err, this.auth);
    }
  }

  async close() {
    await this.client.close().catch(() => {});
  }
}

interface ConnectionState {
  /** Set once the server refused the credential (401/403 after any refresh). */
  rejected: boolean;
  /** Set when the outbound guard refused the server's URL or a redirect of it. */
  refused?: string;
  /** How requests reach the server when that is worth naming in an error ("through tunnel tnl_…"). */
  via?: string;
}

function classify(serverName: string, err: unknown, state: ConnectionState): McpFailure {
  if (err instanceof McpFailure) return err;
  if (state.refused) return new McpFailure("mcp_connection_failed_error", serverName, `could not connect to MCP server ${serverName}: ${state.refused}`);
  const auth = state.rejected || err instanceof UnauthorizedError || (err instanceof StreamableHTTPError && (err.code === 401 || err.code === 403));
  if (auth) return new McpFailure("mcp_authentication_failed_error", serverName, `MCP server ${serverName} rejected the session's credentials`);
  const via = state.via ? ` ${state.via}` : "";
  return new McpFailure("mcp_connection_failed_error", serverName, `could not connect to MCP server ${serverName}${via}: ${reason(err)}`);
}

/** Why the MCP client gave up, in words a user can act on: the SDK's own errors name no server and often no cause. */
function reason(err: unknown): string {
  if (err instanceof StreamableHTTPError && err.code && err.code > 0) return `it answered HTTP ${err.code}`;
  if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) {
    const timeout = (err.data as { timeout?: unknown } | undefined)?.timeout;
    return typeof timeout === "number" ? `it did not answer within ${timeout / 1000} s` : "it did not answer in time";
  }
  if (err instanceof SyntaxError) return `its answer was not valid JSON (${err.message})`;
  return err instanceof Error && err.message ? err.message : "the connection failed";
}

const isProtocolError = (err: unknown) =>
  err instanceof Error && err.name === "McpError" && typeof (err as { code?: unknown }).code === "number";
