import { z } from "zod";
import type { BetaTunnel, BetaTunnelToken } from "@anthropic-ai/sdk/resources/beta/tunnels/tunnels";
import type { BetaTunnelCertificate } from "@anthropic-ai/sdk/resources/beta/tunnels/certificates";
import type { TunnelCertificateRow, TunnelRow } from "../db/schema";
import { pageParams } from "../lib/pagination";
import { booleanQuery } from "./agents";

/** The research preview's beta: every tunnels request must carry it (the SDK adds it itself). */
export const TUNNELS_BETA = "mcp-tunnels-2026-06-22";

/** A tunnel trusts at most this many certificates at once (the contract's limit), so a CA can be rolled over. */
export const MAX_ACTIVE_CERTIFICATES = 2;

export const createTunnelBody = z.strictObject({ display_name: z.string().min(1).max(255).nullish() });
export const rotateTokenBody = z.strictObject({ reason: z.string().max(1024).nullish() });
export const createCertificateBody = z.strictObject({ ca_certificate_pem: z.string().min(1) });
export const listQuery = pageParams.extend({ include_archived: booleanQuery.optional() });

export const tunnelJson = (row: TunnelRow): BetaTunnel => ({
  type: "tunnel",
  id: row.id,
  display_name: row.displayName,
  domain: row.domain,
  created_at: row.createdAt,
  archived_at: row.archivedAt,
});

export const tokenJson = (tokenId: string, token: string): BetaTunnelToken => ({ type: "tunnel_token", id: tokenId, tunnel_token: token });

export const certificateJson = (row: TunnelCertificateRow): BetaTunnelCertificate => ({
  type: "tunnel_certificate",
  id: row.id,
  tunnel_id: row.tunnelId,
  fingerprint: row.fingerprint,
  expires_at: row.expiresAt,
  created_at: row.createdAt,
  archived_at: row.archivedAt,
});
