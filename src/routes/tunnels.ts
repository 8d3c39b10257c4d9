import { Hono, type Context } from "hono";
import { and, eq, isNull } from "drizzle-orm";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { tunnelCertificates, tunnels, tunnelTokenRotations } from "../db/schema";
import { newId } from "../lib/ids";
import { paginate } from "../lib/pagination";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";
import { requireBeta } from "../middleware/betas";
import { createTunnelBody, listQuery, rotateTokenBody, tokenJson, TUNNELS_BETA, tunnelJson } from "../schemas/tunnels";
import { tunnelToken } from "../tunnels/token";
import { findTunnel, newTunnelDomain, syncRelay } from "../tunnels/store";
import { badRequest } from "../lib/errors";

/** `/v1/tunnels`: MCP tunnels into customers' private networks (research preview). */
export const tunnelRoutes = new Hono<AppEnv>();
tunnelRoutes.use("*", requireBeta(TUNNELS_BETA));

const load = (c: Context<AppEnv>) => findTunnel(database(c.env.DB), c.var.workspaceId, c.req.param("tunnel_id")!);

tunnelRoutes.post("/", validate("json", createTunnelBody), async (c) => {
  const row = {
    id: newId("tnl"),
    workspaceId: c.var.workspaceId,
    displayName: c.req.valid("json").display_name ?? null,
    domain: newTunnelDomain(c.env),
    tokenId: newId("tnltokid"),
    createdAt: nowIso(),
    archivedAt: null,
  };
  await database(c.env.DB).insert(tunnels).values(row);
  await syncRelay(c.env, row);
  return c.json(tunnelJson(row));
});

tunnelRoutes.get("/", validate("query", listQuery), async (c) => {
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  return c.json(
    await paginate({
      params: query,
      idColumn: tunnels.id,
      where: and(eq(tunnels.workspaceId, c.var.workspaceId), query.include_archived ? undefined : isNull(tunnels.archivedAt)),
      fetch: (q) => db.select().from(tunnels).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: tunnelJson,
    }),
  );
});

tunnelRoutes.get("/:tunnel_id", async (c) => c.json(tunnelJson(await load(c))));

/** Archive: irreversible; certificates archived with it, hostname retired, token invalid, connectors closed. */
tunnelRoutes.post("/:tunnel_id/archive", async (c) => {
  const tunnel = await load(c);
  if (tunnel.archivedAt) return c.json(tunnelJson(tunnel));
  const archivedAt = nowIso();
  const db = database(c.env.DB);
  await db.batch([
    db.update(tunnels).set({ archivedAt }).where(and(eq(tunnels.id, tunnel.id), isNull(tunnels.archivedAt))),
    db
      .update(tunnelCertificates)
      .set({ archivedAt })
      .where(and(eq(tunnelCertificates.tunnelId, tunnel.id), isNull(tunnelCertificates.archivedAt))),
  ]);
  const archived = { ...tunnel, archivedAt };
  await syncRelay(c.env, archived);
  return c.json(tunnelJson(archived));
});

/** The connector token, computed live (never stored): the same value until a rotation. POST keeps it out of access logs. */
tunnelRoutes.post("/:tunnel_id/reveal_token", async (c) => {
  const tunnel = await load(c);
  if (tunnel.archivedAt) throw badRequest(`tunnel ${tunnel.id} is archived: its token is invalid`);
  return c.json(tokenJson(tunnel.tokenId, await tunnelToken(c.env, tunnel.id, tunnel.tokenId)));
});

/** A fresh token; the old one is refused for new connections, established ones stay up (the contract). */
tunnelRoutes.post("/:tunnel_id/rotate_token", validate("json", rotateTokenBody), async (c) => {
  const tunnel = await load(c);
  if (tunnel.archivedAt) throw badRequest(`tunnel ${tunnel.id} is archived: its token can't be rotated`);
  const tokenId = newId("tnltokid");
  const db = database(c.env.DB);
  await db.batch([
    db.update(tunnels).set({ tokenId }).where(eq(tunnels.id, tunnel.id)),
    db.insert(tunnelTokenRotations).values({
      id: newId("tnlrot"),
      tunnelId: tunnel.id,
      previousTokenId: tunnel.tokenId,
      reason: c.req.valid("json").reason ?? null,
      createdAt: nowIso(),
    }),
  ]);
  await syncRelay(c.env, { ...tunnel, tokenId });
  return c.json(tokenJson(tokenId, await tunnelToken(c.env, tunnel.id, tokenId)));
});
