import type { CredentialAuth, CredentialSecrets } from "../schemas/credential-auth";
import type { RefreshedTokens } from "../db/queries/credentials";
import { guardedFetch, type OutboundPolicy } from "./outbound-guard";

/**
 * Live checks of an mcp_oauth credential: an MCP `initialize` probe with its access token
 * and, when the server answers 401, the refresh-token exchange. Shapes are the SDK's
 * `BetaManagedAgentsCredentialValidation` parts.
 */

type OAuthAuth = Extract<CredentialAuth, { type: "mcp_oauth" }>;
type OAuthSecrets = CredentialSecrets["mcp_oauth"];

/** `BetaManagedAgentsRefreshHTTPResponse`: a captured, scrubbed, size-capped HTTP response. */
export interface CapturedResponse {
  status_code: number;
  content_type: string;
  body: string;
  body_truncated: boolean;
}

export type RefreshOutcome =
  | { status: "succeeded"; tokens: RefreshedTokens }
  | { status: "failed"; http_response: CapturedResponse }
  | { status: "connect_error" }
  | { status: "no_refresh_token" };

type ProbeOutcome =
  | { kind: "ok" }
  | { kind: "rejected" | "error"; http_response: CapturedResponse }
  | { kind: "unreachable" };

export interface ValidationResult {
  status: "valid" | "invalid" | "unknown";
  has_refresh_token: boolean;
  mcp_probe: { method: string; http_response: CapturedResponse | null } | null;
  refresh: { status: RefreshOutcome["status"]; http_response: CapturedResponse | null } | null;
}

const TIMEOUT_MS = 10_000;
const BODY_SHOWN = 4096;
/** Read past what is shown so a secret straddling the cut is still whole when scrubbed. */
const BODY_READ = 64 * 1024;
const PROTOCOL_VERSION = "2025-06-18";

/**
 * Probes the MCP server, refreshing on a 401 when a refresh token is stored. A successful
 * refresh is handed to `onRefreshed` (to persist it) and the new token is probed once more.
 */
export async function validateMcpOAuth(
  auth: OAuthAuth,
  secrets: OAuthSecrets | null,
  onRefreshed: (tokens: RefreshedTokens) => Promise<void>,
  outbound: OutboundPolicy,
): Promise<ValidationResult> {
  const hasRefreshToken = Boolean(auth.refresh && secrets?.refresh_token);
  const result = (status: ValidationResult["status"], rest: Partial<ValidationResult> = {}): ValidationResult => ({
    status,
    has_refresh_token: hasRefreshToken,
    mcp_probe: null,
    refresh: null,
    ...rest,
  });
  // Archived credentials have had their secrets purged: nothing to test.
  if (!secrets?.access_token) return result("invalid");

  const known = secretValues(secrets);
  const first = await probeMcp(auth.mcp_server_url, secrets.access_token, known, outbound);
  if (first.kind === "ok") return result("valid");
  if (first.kind === "unreachable") return result("unknown", { mcp_probe: { method: "initialize", http_response: null } });
  const mcp_probe = { method: "initialize", http_response: first.http_response };
  if (first.kind === "error") return result("unknown", { mcp_probe });
  if (first.http_response.status_code !== 401) return result("invalid", { mcp_probe });

  const outcome = auth.refresh ? await refreshAccessToken(auth.refresh, secrets, outbound) : ({ status: "no_refresh_token" } as const);
  if (outcome.status === "no_refresh_token") {
    return result("invalid", { mcp_probe, refresh: { status: outcome.status, http_response: null } });
  }
  if (outcome.status === "connect_error") {
    return result("unknown", { mcp_probe, refresh: { status: outcome.status, http_response: null } });
  }
  if (outcome.status === "failed") {
    return result("invalid", { mcp_probe, refresh: { status: outcome.status, http_response: outcome.http_response } });
  }

  await onRefreshed(outcome.tokens);
  const refresh = { status: outcome.status, http_response: null };
  const { access_token, refresh_token } = outcome.tokens;
  const second = await probeMcp(auth.mcp_server_url, access_token, [...known, access_token, refresh_token ?? ""], outbound);
  if (second.kind === "ok") return result("valid", { refresh });
  if (second.kind === "unreachable") {
    return result("unknown", { refresh, mcp_probe: { method: "initialize", http_response: null } });
  }
  return result(second.kind === "rejected" ? "invalid" : "unknown", {
    refresh,
    mcp_probe: { method: "initialize", http_response: second.http_response },
  });
}

/** MCP Streamable HTTP `initialize` with the token; only the status matters. */
async function probeMcp(url: string, accessToken: string, secrets: string[], outbound: OutboundPolicy): Promise<ProbeOutcome> {
  const headers = {
    authorization: `Bearer ${accessToken}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  let res: Response;
  try {
    res = await guardedFetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: "managed-agents-credential-validator", version: "1.0.0" },
        },
      }),
      // A redirect would carry the token to wherever it points.
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }, outbound);
  } catch {
    return { kind: "unreachable" };
  }
  if (res.ok) {
    await res.body?.cancel();
    await endMcpSession(url, res.headers.get("mcp-session-id"), headers, outbound);
    return { kind: "ok" };
  }
  const http_response = await capture(res, secrets);
  return { kind: res.status === 401 || res.status === 403 ? "rejected" : "error", http_response };
}

/** Best effort: a probe should not leave a session open on the server. */
async function endMcpSession(url: string, sessionId: string | null, headers: Record<string, string>, outbound: OutboundPolicy) {
  if (!sessionId) return;
  try {
    const res = await guardedFetch(url, {
      method: "DELETE",
      headers: { authorization: headers.authorization, "mcp-session-id": sessionId },
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }, outbound);
    await res.body?.cancel();
  } catch {
    // The server will expire it.
  }
}

/** RFC 6749 §6 refresh-token grant, authenticating the client the way the credential says. */
export async function refreshAccessToken(
  refresh: NonNullable<OAuthAuth["refresh"]>,
  secrets: OAuthSecrets,
  outbound: OutboundPolicy,
): Promise<RefreshOutcome> {
  if (!secrets.refresh_token) return { status: "no_refresh_token" };
  const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: secrets.refresh_token });
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  const clientSecret = secrets.client_secret ?? "";
  switch (refresh.token_endpoint_auth.type) {
    case "client_secret_basic":
      headers.authorization = `Basic ${btoa(`${formEncode(refresh.client_id)}:${formEncode(clientSecret)}`)}`;
      break;
    case "client_secret_post":
      form.set("client_id", refresh.client_id);
      form.set("client_secret", clientSecret);
      break;
    case "none":
      form.set("client_id", refresh.client_id);
      break;
  }
  if (refresh.scope) form.set("scope", refresh.scope);
  if (refresh.resource) form.set("resource", refresh.resource);

  let res: Response;
  try {
    res = await guardedFetch(refresh.token_endpoint, {
      method: "POST",
      headers,
      body: form,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }, outbound);
  } catch {
    return { status: "connect_error" };
  }
  const { text, truncated } = await readCapped(res, BODY_READ);
  const body = parseJson(text);
  const accessToken = body?.access_token;
  const known = [...secretValues(secrets), ...(typeof accessToken === "string" ? [accessToken] : [])];
  if (!res.ok || typeof accessToken !== "string" || !accessToken) {
    return { status: "failed", http_response: captured(res, text, truncated, known) };
  }
  const expiresIn = Number(body.expires_in);
  return {
    status: "succeeded",
    tokens: {
      access_token: accessToken,
      ...(typeof body.refresh_token === "string" && body.refresh_token && { refresh_token: body.refresh_token }),
      expires_at: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000).toISOString() : null,
    },
  };
}

async function capture(res: Response, secrets: string[]): Promise<CapturedResponse> {
  const { text, truncated } = await readCapped(res, BODY_READ);
  return captured(res, text, truncated, secrets);
}

function captured(res: Response, text: string, truncated: boolean, secrets: string[]): CapturedResponse {
  const body = scrub(text, secrets);
  return {
    status_code: res.status,
    content_type: res.headers.get("content-type") ?? "",
    body: body.slice(0, BODY_SHOWN),
    body_truncated: truncated || body.length > BODY_SHOWN,
  };
}

async function readCapped(res: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: "", truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
    if (offset >= bytes.length) break;
  }
  return { text: new TextDecoder().decode(bytes), truncated };
}

const SECRET_JSON_FIELD = /("(?:access_token|refresh_token|id_token|client_secret|token)"\s*:\s*")[^"]*(")/gi;
const SECRET_FORM_FIELD = /\b((?:access_token|refresh_token|id_token|client_secret)=)[^&\s"]+/gi;

/** Removes every known secret, and anything shaped like a token field, from a captured body. */
function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const value of secrets) if (value.length >= 4) out = out.split(value).join("[REDACTED]");
  return out.replace(SECRET_JSON_FIELD, "$1[REDACTED]$2").replace(SECRET_FORM_FIELD, "$1[REDACTED]");
}

function secretValues(secrets: object): string[] {
  return Object.values(secrets).filter((v): v is string => typeof v === "string");
}

function parseJson(text: string): Record<string, any> | null {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks for Basic client credentials. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
