import { badRequest } from "../lib/errors";

/** The part of node:crypto's X509Certificate (workerd implements it under nodejs_compat) read here. */
interface X509Certificate {
  readonly ca: boolean;
  readonly validTo: string;
  readonly raw: Uint8Array;
}
// Typed locally: the project compiles against Workers' types, not @types/node.
const nodeCrypto = () => import("node:crypto" as string) as Promise<{ X509Certificate: new (pem: string) => X509Certificate }>;

/** The contract's cap on `ca_certificate_pem`. */
export const MAX_CERTIFICATE_PEM_BYTES = 8 * 1024;

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----/g;

export interface ParsedCaCertificate {
  pem: string;
  /** Lowercase hex SHA-256 of the DER encoding. */
  fingerprint: string;
  expiresAt: string | null;
}

/**
 * Checks a CA certificate as the contract asks: PEM, exactly one certificate, no private-key material, at most
 * 8 KB, and a CA (basicConstraints CA:TRUE) — the trusted set verifies the private MCP server's certificate, so a
 * leaf would trust nothing. Every refusal names what is wrong.
 */
export async function parseCaCertificate(pem: string): Promise<ParsedCaCertificate> {
  if (new TextEncoder().encode(pem).length > MAX_CERTIFICATE_PEM_BYTES) {
    throw badRequest(`ca_certificate_pem: must be at most ${MAX_CERTIFICATE_PEM_BYTES} bytes`);
  }
  const labels = [...pem.matchAll(BLOCK)].map((m) => m[1]!);
  if (labels.some((l) => l.includes("PRIVATE KEY"))) throw badRequest("ca_certificate_pem: must not contain private-key material");
  const certificates = labels.filter((l) => l === "CERTIFICATE").length;
  if (certificates !== 1 || labels.length !== 1) {
    throw badRequest(`ca_certificate_pem: must contain exactly one PEM certificate (found ${certificates} certificate(s), ${labels.length} block(s))`);
  }
  let cert: X509Certificate;
  try {
    cert = new (await nodeCrypto()).X509Certificate(pem);
  } catch {
    throw badRequest("ca_certificate_pem: not a valid PEM-encoded X.509 certificate");
  }
  if (!cert.ca) throw badRequest("ca_certificate_pem: must be a CA certificate (basicConstraints CA:TRUE)");
  const der = new Uint8Array(cert.raw);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  const expires = Date.parse(cert.validTo);
  return {
    pem: pem.trim() + "\n",
    fingerprint: [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
    expiresAt: Number.isNaN(expires) ? null : new Date(expires).toISOString(),
  };
}
