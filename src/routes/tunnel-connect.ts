import { Hono } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { relayStub } from "../tunnels/store";
import { verifyTunnelToken } from "../tunnels/token";

/**
 * `GET /tunnels/connect`: where a connector dials in (a WebSocket upgrade, `Authorization: Bearer <tunnel token>`).
 * Outside `/v1`: a tunnel token is the only credential it takes, and it takes nothing else. The token's MAC is
 * checked here; whether it is still the tunnel's current one is the relay's to say (it closes with 4401 if not).
 */
export const tunnelConnectRoutes = new Hono<AppEnv>();

tunnelConnectRoutes.get("/connect", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("invalid_request_error", "tunnel connectors connect with a WebSocket upgrade", 426);
  }
  const token = c.req.header("authorization")?.replace(/^Bearer\s+/i, "") ?? "";
  const claim = token ? await verifyTunnelToken(c.env, token) : undefined;
  if (!claim) throw new ApiError("authentication_error", "invalid tunnel token");
  const headers = new Headers(c.req.raw.headers);
  headers.set("x-tunnel-token-id", claim.tokenId);
  return relayStub(c.env, claim.tunnelId).fetch(new Request(c.req.url, { headers }));
});
