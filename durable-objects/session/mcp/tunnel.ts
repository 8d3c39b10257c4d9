import { guardedFetch, outboundPolicy } from "../../../src/lib/outbound-guard";
import type { Env } from "../../../src/env";
import { relayStub, routeForHost } from "../../../src/tunnels/store";
import { McpFailure } from "./connection";

/** How one MCP server's requests leave the brain, and how to name that route in an error (absent: the internet). */
export interface McpRoute {
  send: typeof fetch;
  via?: string;
}

/**
 * How the brain reaches an MCP server: straight over the internet, or — when the URL's host is a tunnel hostname
 * (or a subdomain of one) of the session's own workspace — through that tunnel's relay and a connector inside the
 * customer's network. Another tenant's tunnel host, an archived tunnel, one with no CA certificate or no live
 * connector fail at once as the server's connection failure, naming why: never a hang, never the internet.
 */
export async function mcpRouteFor(env: Env, workspaceId: string, serverName: string, url: string): Promise<McpRoute> {
  const route = await routeForHost(env, workspaceId, new URL(url).hostname);
  // The open internet: through the outbound guard (no loopback, private or metadata targets, per redirect hop).
  if (route.kind === "internet") {
    return { send: (input, init) => guardedFetch(input instanceof Request ? input.url : input, init ?? {}, outboundPolicy(env)) };
  }
  if (route.kind === "refused") {
    return {
      send: async () => {
        throw new McpFailure("mcp_connection_failed_error", serverName, `could not reach MCP server ${serverName}: ${route.why}`);
      },
    };
  }
  const relay = relayStub(env, route.tunnel.id);
  const via = `through tunnel ${route.tunnel.id}`;
  const send: typeof fetch = async (input, init) => {
    try {
      // An AbortSignal can't cross to the relay (RPC); the relay bounds every request itself.
      return await relay.relay(new Request(input, { ...init, signal: undefined }));
    } catch (err) {
      throw new McpFailure(
        "mcp_connection_failed_error",
        serverName,
        `could not reach MCP server ${serverName} ${via}: ${(err as Error).message}`,
      );
    }
  };
  return { send, via };
}
