import { bytesToBase64 } from "../../src/lib/base64";
import type {
  BetaManagedAgentsWebFetchToolConfig,
  BetaManagedAgentsWebFetchURLSourceToolFilter,
} from "@anthropic-ai/sdk/resources/beta/agents/agents";
import { completeServerToolUse, type Transition } from "./session-state";
import type { PendingToolUse, SessionState, StoredEvent } from "./types";
import { commitToolResult, runEachOnce } from "./run-once";
import type { Env } from "../../src/env";
import { findEnvironment, type NetworkPolicy } from "../../src/hands/environment";
import { isEgressAllowed } from "../../src/hands/network-policy";
import { normalizeHost, outboundPolicy, outboundRefusal, type OutboundPolicy } from "../../src/lib/outbound-guard";

/**
 * The `web_fetch` tool, run by the session's brain in the Worker (web-tools.ts says why not in the hands).
 * The request carries no credential of any kind: no vault secret, no cookie, no API key, only a user agent.
 * Enforced here, per the agent's `BetaManagedAgentsWebFetchToolConfig`:
 *
 * - `allowed_domains` / `blocked_domains`: the host, or a parent domain of it, must (not) be listed; checked
 *   again on every redirect hop, which is followed by hand (at most 5).
 * - `url_sources`: when set, the URL must have appeared earlier in the conversation in a source it allows
 *   (user messages, custom tool results, web_search/web_fetch results; per-tool only/except lists).
 * - `max_content_tokens`: text is cut to about that many tokens (4 characters each); PDFs are passed as a
 *   document block, untruncated, up to the size limit.
 *
 * And per the deployment, on the URL and every redirect hop: the outbound guard (no loopback, private,
 * link-local, metadata or own-host targets; src/lib/outbound-guard.ts) and the session environment's network
 * policy (a `limited` environment's web_fetch reaches its `allowed_hosts` only, as its sandbox's curl does).
 */

const MAX_BYTES = 5 * 1024 * 1024;
const DEFAULT_MAX_CONTENT_TOKENS = 25_000;
const CHARS_PER_TOKEN = 4;
const MAX_REDIRECTS = 5;
const TIMEOUT_MS = 30_000;

type Result = { content: unknown[]; isError: boolean };
const failure = (text: string): Result => ({ content: [{ type: "text", text }], isError: true });

/** The agent's web_fetch config (null fields: no restriction). */
export function webFetchConfig(state: SessionState): BetaManagedAgentsWebFetchToolConfig | undefined {
  for (const tool of state.agent.tools ?? []) {
    if (tool.type !== "agent_toolset_20260401") continue;
    const config = tool.configs?.find((c) => c.name === "web_fetch");
    if (config?.name === "web_fetch") return config;
  }
  return undefined;
}

/** The deployment's and the environment's rules for where web_fetch may go. */
export interface WebFetchEgress {
  outbound: OutboundPolicy;
  network: NetworkPolicy;
}

export async function webFetch(
  input: Record<string, unknown>,
  config: BetaManagedAgentsWebFetchToolConfig | undefined,
  history: Iterable<StoredEvent>,
  egress: WebFetchEgress,
  fetcher: typeof fetch = fetch,
): Promise<Result> {
  let url: URL;
  try {
    url = new URL(String(input.url ?? ""));
  } catch {
    return failure(`web_fetch: "url" must be an absolute http(s) URL; got ${JSON.stringify(input.url ?? null)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return failure(`web_fetch: only http(s) URLs can be fetched, not ${url.protocol}`);
  if (url.username || url.password) return failure("web_fetch: URLs with credentials are not fetched");
  url.hash = "";
  const refused = egressRefusal(url, egress) ?? domainRefusal(url, config);
  if (refused) return failure(refused);
  if (config?.url_sources && !sourcedUrls(config.url_sources, history).has(canonical(url))) {
    return failure(
      `web_fetch: ${url.href} has not appeared in a source this agent may fetch from (url_sources); ` +
        "only URLs from the allowed sources of the conversation can be fetched",
    );
  }

  let res: Response;
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      res = await fetcher(current.href, {
        redirect: "manual",
        headers: { "user-agent": "managed-agents-on-cloudflare web_fetch", accept: "text/html, text/plain, application/pdf, */*;q=0.5" },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) break;
      if (hop >= MAX_REDIRECTS) return failure(`web_fetch: more than ${MAX_REDIRECTS} redirects from ${url.href}`);
      current = new URL(location, current);
      const hopRefused =
        current.protocol === "http:" || current.protocol === "https:"
          ? (egressRefusal(current, egress) ?? domainRefusal(current, config))
          : `web_fetch: redirect to ${current.protocol} refused`;
      if (hopRefused) return failure(`${hopRefused} (redirected from ${url.href})`);
    }
  } catch (err) {
    return failure(`web_fetch: fetching ${current.href} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok) return failure(`web_fetch: ${current.href} answered HTTP ${res.status}`);
  const type = (res.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  const bytes = await readLimited(res);
  if (!bytes) return failure(`web_fetch: ${current.href} is larger than ${MAX_BYTES} bytes`);
  if (type === "application/pdf") {
    return { isError: false, content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: bytesToBase64(bytes) }, title: current.href }] };
  }
  if (!isText(type)) return failure(`web_fetch: ${current.href} is ${type || "of an unknown type"}, which is not text or PDF`);
  const raw = new TextDecoder().decode(bytes);
  const text = type === "text/html" || type === "application/xhtml+xml" ? htmlToText(raw) : raw;
  const limit = (config?.max_content_tokens ?? DEFAULT_MAX_CONTENT_TOKENS) * CHARS_PER_TOKEN;
  const cut = text.length > limit;
  const body = cut ? `${text.slice(0, limit)}\n\n[truncated: the content exceeds ${limit / CHARS_PER_TOKEN} tokens]` : text;
  return { isError: false, content: [{ type: "text", text: `URL: ${current.href}\nContent-Type: ${type}\n\n${body}` }] };
}

function egressRefusal(url: URL, egress: WebFetchEgress): string | null {
  const refused = outboundRefusal(url, egress.outbound);
  if (refused) return `web_fetch: ${refused}`;
  if (!isEgressAllowed(egress.network, url)) return `web_fetch: ${normalizeHost(url.hostname)} is not allowed by the environment's network policy (limited networking)`;
  return null;
}

/** Host names compared without case or trailing dots: `evil.com.` is `evil.com`. */
function domainRefusal(url: URL, config: BetaManagedAgentsWebFetchToolConfig | undefined): string | null {
  const host = normalizeHost(url.hostname);
  const matches = (domains: string[]) =>
    domains.map(normalizeHost).some((d) => host === d || host.endsWith(`.${d}`));
  if (config?.allowed_domains && !matches(config.allowed_domains)) return `web_fetch: ${host} is not in this agent's allowed_domains`;
  if (config?.blocked_domains && matches(config.blocked_domains)) return `web_fetch: ${host} is in this agent's blocked_domains`;
  return null;
}

/** Every URL the allowed sources of the conversation have shown, canonicalised. */
function sourcedUrls(sources: NonNullable<BetaManagedAgentsWebFetchToolConfig["url_sources"]>, history: Iterable<StoredEvent>): Set<string> {
  const urls = new Set<string>();
  const toolNames = new Map<string, string>();
  const admits = (filter: BetaManagedAgentsWebFetchURLSourceToolFilter | null, name: string) =>
    !filter || filter.type === "all" || (filter.type === "only" ? filter.tools.some((t) => t.name === name) : filter.type === "except" ? !filter.tools.some((t) => t.name === name) : false);
  for (const { event } of history) {
    if (event.type === "agent.custom_tool_use" || event.type === "agent.tool_use") toolNames.set(event.id, event.name);
    let admitted = false;
    if (event.type === "user.message") admitted = sources.user_input?.type !== "none";
    else if (event.type === "user.custom_tool_result") admitted = admits(sources.client_tool_results, toolNames.get(event.custom_tool_use_id) ?? "");
    else if (event.type === "agent.tool_result") {
      const name = toolNames.get(event.tool_use_id) ?? "";
      admitted = (name === "web_search" || name === "web_fetch") && admits(sources.server_tool_results, name);
    }
    if (!admitted) continue;
    for (const match of JSON.stringify(event).matchAll(/https?:\/\/[^\s"'<>\\)\]]+/g)) {
      try {
        urls.add(canonical(new URL(match[0].replace(/[.,;:!?]+$/, ""))));
      } catch {
        // Not a URL after all.
      }
    }
  }
  return urls;
}

const canonical = (url: URL) => `${url.protocol}//${url.host.toLowerCase()}${url.pathname.replace(/\/+$/, "") || ""}${url.search}`;

const isText = (type: string) =>
  !type || type.startsWith("text/") || /^application\/([\w.+-]*\+)?(json|xml|javascript|xhtml\+xml)$/.test(type);

async function readLimited(res: Response): Promise<Uint8Array | null> {
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** HTML reduced to readable text: scripts and styles dropped, block ends as line breaks, entities decoded. */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, "")
      .replace(/<(script|style|noscript|template|svg)\b[\s\S]*?<\/\1\s*>/gi, "")
      .replace(/<br\s*\/?>/gi, "\n")
      .replace(/<\/(p|div|section|article|header|footer|li|tr|h[1-6]|pre|blockquote|title|table|ul|ol)\s*>/gi, "\n")
      .replace(/<li\b[^>]*>/gi, "- ")
      .replace(/<[^>]+>/g, ""),
  )
    .replace(/[ \t\f\v\u00a0]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };
const decodeEntities = (text: string) =>
  text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1].toLowerCase() === "x" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });


async function webFetchEgress(env: Env, state: SessionState): Promise<WebFetchEgress> {
  const environment = await findEnvironment(env.DB, state.workspaceId, state.environmentId);
  return { outbound: outboundPolicy(env), network: environment?.networking ?? { type: "unrestricted" } };
}

/** Calls being run by this isolate: a wake-up that re-dispatches the turn's pending calls skips these. */
const running = new Set<string>();

/** Runs the turn's web_fetch calls concurrently, committing each result as it lands (late ones are dropped). */
export function runServerToolUses(
  env: Env,
  state: () => SessionState | undefined,
  history: () => Iterable<StoredEvent>,
  toolUses: PendingToolUse[],
  commit: (fn: (t: Transition) => void) => Promise<unknown>,
) {
  runEachOnce(running, toolUses, "a server tool use", async (pending) => {
    const current = state();
    if (!current) return;
    const result =
      pending.name === "web_fetch"
        ? await webFetch(pending.input, webFetchConfig(current), history(), await webFetchEgress(env, current))
        : failure(`${pending.name} is not a tool this server runs`);
    if (state()) await commitToolResult(result, (r) => commit((t) => completeServerToolUse(t, pending.eventId, r)));
  });
}
