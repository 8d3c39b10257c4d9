import { and, asc, eq, isNull } from "drizzle-orm";
import type { Env } from "../env";
import { database, type Database } from "../db/client";
import { tunnelCertificates, tunnels, type TunnelRow } from "../db/schema";
import { notFound } from "../lib/errors";

/** Hostnames are `<random label>.<suffix>`; `.internal` is reserved for private use, so none resolves publicly. */
export const DEFAULT_TUNNEL_DOMAIN_SUFFIX = "tunnel.internal";

export const domainSuffix = (env: Env) => (env.TUNNEL_DOMAIN_SUFFIX || DEFAULT_TUNNEL_DOMAIN_SUFFIX).toLowerCase();

/** 20 random base32 characters: never guessed, and never reused (the column is unique across archived rows too). */
export function newTunnelDomain(env: Env): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const label = Array.from(crypto.getRandomValues(new Uint8Array(20)), (b) => alphabet[b % 32]).join("");
  return `t${label}.${domainSuffix(env)}`;
}

export async function findTunnel(db: Database, workspaceId: string, tunnelId: string): Promise<TunnelRow> {
  const [row] = await db
    .select()
    .from(tunnels)
    .where(and(eq(tunnels.id, tunnelId), eq(tunnels.workspaceId, workspaceId)))
    .limit(1);
  if (!row) throw notFound("tunnel", tunnelId);
  return row;
}

export const relayStub = (env: Env, tunnelId: string) => env.TUNNEL_RELAYS.get(env.TUNNEL_RELAYS.idFromName(tunnelId));

/** Tells the tunnel's relay what is true now: its token, its trusted certificates, whether it is archived. */
export async function syncRelay(env: Env, tunnel: TunnelRow): Promise<void> {
  const certificates = await database(env.DB)
    .select({ pem: tunnelCertificates.caCertificatePem })
    .from(tunnelCertificates)
    .where(and(eq(tunnelCertificates.tunnelId, tunnel.id), isNull(tunnelCertificates.archivedAt)))
    .orderBy(asc(tunnelCertificates.id));
  await relayStub(env, tunnel.id).sync({
    tunnelId: tunnel.id,
    workspaceId: tunnel.workspaceId,
    domain: tunnel.domain,
    tokenId: tunnel.tokenId,
    trust: certificates.map((c) => c.pem),
    archived: tunnel.archivedAt !== null,
  });
}

/** Where an MCP server's host leads: the public internet, or one of the workspace's tunnels (or nowhere). */
export type HostRoute =
  | { kind: "internet" }
  | { kind: "tunnel"; tunnel: TunnelRow }
  | { kind: "refused"; why: string };

/**
 * A host under the tunnel suffix is routed through the workspace's tunnel whose hostname is that host or a parent
 * of it; never to the internet, and never through another tenant's tunnel.
 */
export async function routeForHost(env: Env, workspaceId: string, host: string): Promise<HostRoute> {
  const suffix = `.${domainSuffix(env)}`;
  const name = host.toLowerCase().replace(/\.$/, "");
  if (!name.endsWith(suffix)) return { kind: "internet" };
  const labels = name.slice(0, -suffix.length).split(".");
  const domain = `${labels[labels.length - 1]}${suffix}`;
  const [row] = await database(env.DB)
    .select()
    .from(tunnels)
    .where(and(eq(tunnels.domain, domain), eq(tunnels.workspaceId, workspaceId)))
    .limit(1);
  if (!row) return { kind: "refused", why: `no tunnel of this workspace serves ${host}` };
  if (row.archivedAt) return { kind: "refused", why: `the tunnel serving ${host} is archived` };
  return { kind: "tunnel", tunnel: row };
}
