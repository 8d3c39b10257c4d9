import type { Env } from "../env";
import { database } from "../db/client";
import { resolveCredentials } from "../db/queries/credentials";
import { findSession } from "../db/queries/sessions";
import { scrubStream, scrubText } from "./secret-scrub";

/**
 * An `environment_variable` credential as the sandbox's egress applies it. The sandbox only ever holds
 * `placeholder` (its env var is set to it); the egress swaps the placeholder for the real value in requests
 * to the credential's hosts, in the parts `injection_location` names. Anything else carries the placeholder.
 */
export interface EgressSecret {
  name: string;
  placeholder: string;
  value: string;
  /** "all" for `unrestricted` networking, else the credential's `allowed_hosts` (`*.x` = subdomains of x). */
  hosts: "all" | string[];
  header: boolean;
  body: boolean;
}

/** Unique per credential and meaningless outside this deployment's egress; stable, so it survives reprovisioning. */
export const placeholderFor = (credentialId: string) => `ma_placeholder_${credentialId}`;

/** The session's environment-variable credentials (from its vaults, in priority order; the first per name wins). */
export async function loadEgressSecrets(env: Env, workspaceId: string, sessionId: string): Promise<EgressSecret[]> {
  const db = database(env.DB);
  const session = await findSession(db, workspaceId, sessionId).catch(() => undefined);
  if (!session?.vaultIds.length) return [];
  const credentials = await resolveCredentials(db, env, workspaceId, session.vaultIds);
  const secrets: EgressSecret[] = [];
  for (const c of credentials) {
    if (c.type !== "environment_variable" || secrets.some((s) => s.name === c.auth.secret_name)) continue;
    const networking = c.auth.networking as { type: "unrestricted" } | { type: "limited"; allowed_hosts: string[] };
    secrets.push({
      name: c.auth.secret_name,
      placeholder: placeholderFor(c.id),
      value: c.secrets.secret_value,
      hosts: networking.type === "unrestricted" ? "all" : networking.allowed_hosts.map((h) => h.toLowerCase()),
      header: c.auth.injection_location.header,
      body: c.auth.injection_location.body,
    });
  }
  return secrets;
}

/** What the sandbox's environment gets: each secret's name bound to its placeholder. */
export const placeholderEnv = (secrets: EgressSecret[]) => Object.fromEntries(secrets.map((s) => [s.name, s.placeholder]));

function hostAllowed(secret: EgressSecret, url: string): boolean {
  if (secret.hosts === "all") return true;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return secret.hosts.some((pattern) => (pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) : host === pattern));
}

/**
 * One outbound request as it leaves the sandbox: placeholders of the secrets this host may receive are
 * replaced by their values (headers and/or a text body, per injection_location). The URL is left alone:
 * a secret in a URL ends up in logs along the way.
 */
export function substituteSecrets<B>(
  secrets: EgressSecret[],
  url: string,
  request: { headers?: Record<string, string>; body?: B },
): { headers?: Record<string, string>; body?: B } {
  const applicable = secrets.filter((s) => hostAllowed(s, url));
  if (!applicable.length) return request;
  const swap = (text: string, parts: EgressSecret[]) => parts.reduce((t, s) => t.split(s.placeholder).join(s.value), text);
  const inHeaders = applicable.filter((s) => s.header);
  const inBody = applicable.filter((s) => s.body);
  const headers = request.headers && inHeaders.length
    ? Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, swapInBasicAuth(swap(v, inHeaders), (t) => swap(t, inHeaders))]))
    : request.headers;
  const body = typeof request.body === "string" && inBody.length ? (swap(request.body, inBody) as B) : request.body;
  return { headers, body };
}

/** `Basic base64(user:placeholder)` (what `curl -u user:$TOKEN` sends) gets the secret inside the encoding. */
function swapInBasicAuth(value: string, swap: (text: string) => string): string {
  const m = /^(basic\s+)([A-Za-z0-9+/]+=*)$/i.exec(value);
  if (!m) return value;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(m[2]), (c) => c.charCodeAt(0)));
  } catch {
    return value;
  }
  const swapped = swap(decoded);
  return swapped === decoded ? value : `${m[1]}${btoa(String.fromCharCode(...new TextEncoder().encode(swapped)))}`;
}

/** Text with every form of every secret's value (secret-scrub.ts lists them) replaced by its placeholder. */
export const scrubSecretText = (secrets: EgressSecret[], text: string): string => (secrets.length ? scrubText(secrets, text) : text);

/**
 * A response as it may enter the sandbox: an allowed host that echoes the request (headers or body) must not
 * hand the real secret back to the agent, so every form of it in the status text, headers and body becomes
 * the placeholder. The body is scrubbed as it streams (bounded memory, forms split across chunks included).
 */
export async function scrubResponse(secrets: EgressSecret[], response: Response): Promise<Response> {
  if (!secrets.length) return response;
  const headers = new Headers();
  for (const [k, v] of response.headers) headers.append(k, scrubText(secrets, v));
  headers.delete("content-length");
  // 204, 304...: a Response with such a status must not be given a body, not even an empty one.
  const nullBody = [101, 204, 205, 304].includes(response.status);
  const body = response.body && !nullBody ? scrubStream(secrets, response.body) : null;
  return new Response(body, { status: response.status, statusText: scrubText(secrets, response.statusText), headers });
}
