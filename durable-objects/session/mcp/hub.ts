import type Anthropic from "@anthropic-ai/sdk";
import type { Env } from "../../../src/env";
import { mcpRouteFor } from "./tunnel";
import type { ToolRoute } from "../tools";
import type { PendingToolUse, SessionState } from "../types";
import { McpServerAuth } from "./auth";
import { mcpServerUses, modelToolName, type McpServerUse } from "./config";
import { McpConnection, McpFailure } from "./connection";
import { resultContent } from "./content";

/** The MCP tools offered for one model call, and the servers that could not be reached for it. */
export interface McpOffer {
  definitions: Anthropic.Tool[];
  routes: Map<string, ToolRoute>;
  failures: McpFailure[];
}

export type McpOutcome =
  | { ok: true; content: ReturnType<typeof resultContent>; isError: boolean }
  | { ok: false; failure: McpFailure };

/**
 * The session's MCP clients, one connection per declared server, opened on first use and kept while the
 * object lives (an evicted object reconnects). A connection that fails is dropped, so the next step tries
 * again; a failure is reported once until the server works again, not on every model call.
 */
export class McpHub {
  private readonly connections = new Map<string, Promise<McpConnection>>();
  private readonly reported = new Set<string>();

  constructor(private readonly env: Env) {}

  async offer(state: SessionState): Promise<McpOffer> {
    const offer: McpOffer = { definitions: [], routes: new Map(), failures: [] };
    const uses = mcpServerUses(state.agent);
    const listed = await Promise.all(uses.map((use) => this.withConnection(state, use, (c) => c.listTools())));
    for (const [i, use] of uses.entries()) {
      const tools = listed[i];
      if (tools instanceof McpFailure) {
        if (!this.reported.has(use.name)) offer.failures.push(tools);
        this.reported.add(use.name);
        continue;
      }
      this.reported.delete(use.name);
      for (const tool of tools) {
        const policy = use.policy(tool.name);
        const name = modelToolName(use.name, tool.name);
        if (!policy || offer.routes.has(name)) continue;
        offer.routes.set(name, { kind: "mcp", server: use.name, tool: tool.name, policy });
        offer.definitions.push({
          name,
          ...(tool.description ? { description: tool.description } : {}),
          input_schema: tool.inputSchema as Anthropic.Tool["input_schema"],
        });
      }
    }
    return offer;
  }

  async call(state: SessionState, pending: PendingToolUse): Promise<McpOutcome> {
    const use = mcpServerUses(state.agent).find((u) => u.name === pending.mcpServer);
    if (!use) {
      return { ok: true, isError: true, content: [{ type: "text", text: `MCP server ${pending.mcpServer} is not configured in this session.` }] };
    }
    const result = await this.withConnection(state, use, (c) => c.callTool(pending.name, pending.input));
    if (result instanceof McpFailure) return { ok: false, failure: result };
    return { ok: true, content: resultContent(result), isError: result.isError };
  }

  private async withConnection<T>(state: SessionState, use: McpServerUse, fn: (c: McpConnection) => Promise<T>): Promise<T | McpFailure> {
    const key = `${use.name}\n${use.url}`;
    let connection = this.connections.get(key);
    if (!connection) {
      connection = Promise.all([
        McpServerAuth.load(this.env, state.workspaceId, state.sessionId, use.url),
        mcpRouteFor(this.env, state.workspaceId, use.name, use.url),
      ]).then(([auth, route]) => McpConnection.open(use.name, use.url, auth, route));
      this.connections.set(key, connection);
    }
    try {
      return await fn(await connection);
    } catch (err) {
      this.connections.delete(key);
      void connection.then((c) => c.close()).catch(() => {});
      if (err instanceof McpFailure) return err;
      return new McpFailure("mcp_connection_failed_error", use.name, `could not connect to MCP server ${use.name}: ${(err as Error)?.message ?? err}`);
    }
  }
}
