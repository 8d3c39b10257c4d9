import { Hono, type Context } from "hono";
import { and, count, eq, isNull } from "drizzle-orm";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { tunnelCertificates } from "../db/schema";
import { badRequest, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { paginate } from "../lib/pagination";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";
import { requireBeta } from "../middleware/betas";
import { certificateJson, createCertificateBody, listQuery, MAX_ACTIVE_CERTIFICATES, TUNNELS_BETA } from "../schemas/tunnels";
import { parseCaCertificate } from "../tunnels/certificate";
import { findTunnel, syncRelay } from "../tunnels/store";

/** `/v1/tunnels/:tunnel_id/certificates`: the CA certificates a tunnel trusts its private MCP servers by. */
export const tunnelCertificateRoutes = new Hono<AppEnv>();
tunnelCertificateRoutes.use("*", requireBeta(TUNNELS_BETA));

const loadTunnel = (c: Context<AppEnv>) => findTunnel(database(c.env.DB), c.var.workspaceId, c.req.param("tunnel_id")!);

async function loadCertificate(c: Context<AppEnv>) {
  const tunnel = await loadTunnel(c);
  const id = c.req.param("certificate_id")!;
  const [row] = await database(c.env.DB)
    .select()
    .from(tunnelCertificates)
    .where(and(eq(tunnelCertificates.id, id), eq(tunnelCertificates.tunnelId, tunnel.id)))
    .limit(1);
  if (!row) throw notFound("tunnel certificate", id);
  return { tunnel, row };
}

tunnelCertificateRoutes.post("/:tunnel_id/certificates", validate("json", createCertificateBody), async (c) => {
  const tunnel = await loadTunnel(c);
  if (tunnel.archivedAt) throw badRequest(`tunnel ${tunnel.id} is archived: it takes no new certificates`);
  const parsed = await parseCaCertificate(c.req.valid("json").ca_certificate_pem);
  const db = database(c.env.DB);
  const active = and(eq(tunnelCertificates.tunnelId, tunnel.id), isNull(tunnelCertificates.archivedAt));
  const [{ n }] = await db.select({ n: count() }).from(tunnelCertificates).where(active);
  if (n >= MAX_ACTIVE_CERTIFICATES) {
    throw badRequest(`tunnel ${tunnel.id} already trusts ${MAX_ACTIVE_CERTIFICATES} certificates, the maximum: archive one first`);
  }
  const row = {
    id: newId("tcrt"),
    workspaceId: tunnel.workspaceId,
    tunnelId: tunnel.id,
    caCertificatePem: parsed.pem,
    fingerprint: parsed.fingerprint,
    expiresAt: parsed.expiresAt,
    createdAt: nowIso(),
    archivedAt: null,
  };
  await db.insert(tunnelCertificates).values(row);
  await syncRelay(c.env, tunnel);
  return c.json(certificateJson(row));
});

tunnelCertificateRoutes.get("/:tunnel_id/certificates", validate("query", listQuery), async (c) => {
  const tunnel = await loadTunnel(c);
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  return c.json(
    await paginate({
      params: query,
      idColumn: tunnelCertificates.id,
      where: and(eq(tunnelCertificates.tunnelId, tunnel.id), query.include_archived ? undefined : isNull(tunnelCertificates.archivedAt)),
      fetch: (q) => db.select().from(tunnelCertificates).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: certificateJson,
    }),
  );
});

tunnelCertificateRoutes.get("/:tunnel_id/certificates/:certificate_id", async (c) => c.json(certificateJson((await loadCertificate(c)).row)));

/** Leaves the trusted set; archiving the last one is allowed, and the tunnel then rejects MCP traffic. */
tunnelCertificateRoutes.post("/:tunnel_id/certificates/:certificate_id/archive", async (c) => {
  const { tunnel, row } = await loadCertificate(c);
  if (row.archivedAt) return c.json(certificateJson(row));
  const archivedAt = nowIso();
  await database(c.env.DB).update(tunnelCertificates).set({ archivedAt }).where(eq(tunnelCertificates.id, row.id));
  await syncRelay(c.env, tunnel);
  return c.json(certificateJson({ ...row, archivedAt }));
});
