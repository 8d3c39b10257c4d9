import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/**
 * Browsers cannot set headers on a WebSocket handshake, only offer subprotocols. A browser client offers
 * `managed-agents` plus, as extra protocol tokens, what it would otherwise send as headers:
 *
 *   new WebSocket(url, ["managed-agents", "anthropic-beta.managed-agents-2026-04-01", "x-api-key.<key>"])
 *
 * The server selects `managed-agents` (the only token it ever echoes), so the credential stays out of the
 * URL, out of logs and out of the response. Headers, when present, win over these tokens.
 */
export const WEBSOCKET_PROTOCOL = "managed-agents";
const KEY_PREFIX = "x-api-key.";
const BETA_PREFIX = "anthropic-beta.";

/** The protocol tokens a browser WebSocket handshake offers, or none for any other request. */
function offeredProtocols(headers: Headers): string[] {
  if (headers.get("upgrade")?.toLowerCase() !== "websocket") return [];
  const offered = (headers.get("sec-websocket-protocol") ?? "")
    .split(",")
    .map((token) => token.trim())
    .filter(Boolean);
  return offered.includes(WEBSOCKET_PROTOCOL) ? offered : [];
}

/** The API key a browser WebSocket handshake carries as an `x-api-key.<key>` protocol token. */
export function subprotocolKey(headers: Headers): string | undefined {
  const token = offeredProtocols(headers).find((t) => t.startsWith(KEY_PREFIX));
  return token?.slice(KEY_PREFIX.length) || undefined;
}

/**
 * Reads `anthropic-beta.<name>` tokens into `c.var.betas` (before the routers' beta checks), and on a
 * successful upgrade answers with `Sec-WebSocket-Protocol: managed-agents`, without which a browser
 * that offered protocols drops the connection.
 */
export const websocketProtocol = createMiddleware<AppEnv>(async (c, next) => {
  const offered = offeredProtocols(c.req.raw.headers);
  if (!offered.length) return next();
  const betas = offered.filter((t) => t.startsWith(BETA_PREFIX)).map((t) => t.slice(BETA_PREFIX.length));
  c.set("betas", [...new Set([...c.var.betas, ...betas])]);
  await next();
  const res = c.res;
  if (res.status !== 101 || !res.webSocket) return;
  // The upgrade response came from the session's Durable Object; its headers are immutable, so re-wrap it.
  const headers = new Headers(res.headers);
  headers.set("sec-websocket-protocol", WEBSOCKET_PROTOCOL);
  c.res = new Response(null, { status: 101, webSocket: res.webSocket, headers });
});
