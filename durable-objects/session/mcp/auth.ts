import { outboundPolicy } from "../../../src/lib/outbound-guard";
import type { Env } from "../../../src/env";
import { database } from "../../../src/db/client";
import {
  credentialForMcpServer,
  findCredential,
  resolveCredentials,
  storeRefreshedTokens,
  type ResolvedCredential,
} from "../../../src/db/queries/credentials";
import { findSession } from "../../../src/db/queries/sessions";
import { refreshAccessToken } from "../../../src/lib/mcp-oauth";
import { vaultSecretBox } from "../../../src/lib/secret-box";

type McpCredential = NonNullable<ReturnType<typeof credentialForMcpServer>>;

/** Refresh a little before the stored expiry, so a token never expires between the check and the call. */
const EXPIRY_SKEW_MS = 30_000;
const REFRESH_INTERVAL_MS = 60_000;

/**
 * The Authorization header for one MCP server, from the session's vaults: `static_bearer` sends its token,
 * `mcp_oauth` its access token, refreshed (and stored back, a rotated refresh token is single use) when
 * it has expired or the server answers 401. Secrets stay in this object: nothing here is logged or emitted.
 */
export class McpServerAuth {
  /** When the last refresh was tried: a server that rejects fresh tokens must not cause a refresh per request. */
  private lastRefresh = 0;

  private constructor(
    private readonly env: Env,
    private readonly workspaceId: string,
    private credential: McpCredential | undefined,
  ) {}

  static async load(env: Env, workspaceId: string, sessionId: string, url: string): Promise<McpServerAuth> {
    const db = database(env.DB);
    const session = await findSession(db, workspaceId, sessionId).catch(() => undefined);
    const credentials: ResolvedCredential[] = await resolveCredentials(db, env, workspaceId, session?.vaultIds ?? []);
    return new McpServerAuth(env, workspaceId, credentialForMcpServer(credentials, url));
  }

  get hasCredential() {
    return Boolean(this.credential);
  }

  async header(): Promise<string | undefined> {
    const c = this.credential;
    if (!c) return undefined;
    if (c.type === "static_bearer") return `Bearer ${c.secrets.token}`;
    const expiresAt = c.auth.expires_at ? Date.parse(c.auth.expires_at) : NaN;
    if (Number.isFinite(expiresAt) && expiresAt - EXPIRY_SKEW_MS <= Date.now()) await this.refresh();
    return `Bearer ${(this.credential as Extract<McpCredential, { type: "mcp_oauth" }>).secrets.access_token}`;
  }

  /** After a 401 (or at expiry): true when a refreshed token is worth one more try. At most one refresh a minute. */
  async refresh(): Promise<boolean> {
    const c = this.credential;
    if (!c || c.type !== "mcp_oauth" || !c.auth.refresh || Date.now() - this.lastRefresh < REFRESH_INTERVAL_MS) return false;
    this.lastRefresh = Date.now();
    const outcome = await refreshAccessToken(c.auth.refresh, c.secrets, outboundPolicy(this.env));
    if (outcome.status !== "succeeded") return false;
    const { tokens } = outcome;
    const db = database(this.env.DB);
    const row = await findCredential(db, this.workspaceId, c.vaultId, c.id);
    await storeRefreshedTokens(db, vaultSecretBox(this.env), row, tokens);
    this.credential = {
      ...c,
      auth: { ...c.auth, expires_at: tokens.expires_at },
      secrets: { ...c.secrets, access_token: tokens.access_token, ...(tokens.refresh_token && { refresh_token: tokens.refresh_token }) },
    };
    return true;
  }
}
