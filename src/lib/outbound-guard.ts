import { badRequest } from "./errors";
import { classifyIp, parseIp } from "./ip-ranges";

/**
 * The one outbound guard for everything this server fetches on a tenant's behalf (web_fetch, MCP servers,
 * `mcp_oauth_validate`, webhook deliveries, the isolate sandbox's curl): a tenant must not be able to point
 * the deployment at its own network. Refused, for the first URL and every redirect hop:
 *
 * - schemes other than http and https, and URLs with user info;
 * - loopback, private (RFC 1918, IPv6 ULA), link-local (incl. the 169.254.169.254 metadata address), CGNAT
 *   (100.64/10), multicast, reserved and documentation ranges, IPv4 embedded in IPv6 (mapped, compatible,
 *   NAT64, 6to4) when the embedded address is one of those, and Teredo;
 * - `localhost` and its subdomains, `*.local`, `*.internal`, `*.home.arpa`, cloud metadata names;
 * - the deployment's own hostnames (`OWN_HOSTNAMES`, comma-separated; the hostname of the request being
 *   served is added where there is one).
 *
 * Host names are compared after the URL parser's normalisation (IPv4 in decimal, octal, hex or shortened
 * forms becomes dotted decimal; IPv6 is compressed) with trailing dots removed and case folded.
 *
 * Limit: Workers `fetch` resolves DNS itself, so a public name that resolves to a private address cannot be
 * checked here. On Cloudflare, Worker subrequests leave from Cloudflare's edge to the public internet, where
 * those addresses are not routable to the deployment's network; under `wrangler dev` they are the developer's
 * machine, which is why loopback is refused there too unless the development exemption is on.
 *
 * `OUTBOUND_ALLOW_LOOPBACK=1` (set only by `npm start` and the test stacks, never in wrangler.toml) lets
 * loopback targets through (`localhost`, 127/8, ::1), so the fake model's neighbours, test MCP servers and
 * webhook receivers on 127.0.0.1 work locally. Nothing else is exempt.
 */

export interface OutboundPolicy {
  allowLoopback: boolean;
  /** This deployment's own hostnames (normalised). */
  ownHosts: string[];
}

export interface OutboundEnv {
  OUTBOUND_ALLOW_LOOPBACK?: string;
  OWN_HOSTNAMES?: string;
}

export function outboundPolicy(env: OutboundEnv, requestUrl?: string): OutboundPolicy {
  const own = (env.OWN_HOSTNAMES ?? "").split(",").map(normalizeHost).filter(Boolean);
  if (requestUrl) own.push(normalizeHost(new URL(requestUrl).hostname));
  return { allowLoopback: env.OUTBOUND_ALLOW_LOOPBACK === "1", ownHosts: [...new Set(own)] };
}

/** Lower case, no brackets around IPv6, no trailing dots (`evil.com.` is `evil.com`). */
export function normalizeHost(hostname: string): string {
  return hostname.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.+$/, "");
}

const BLOCKED_NAMES = ["localhost", "metadata", "metadata.google.internal", "metadata.goog", "instance-data"];
const BLOCKED_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa"];

/** Why the URL may not be fetched on a tenant's behalf, or null when it may. */
export function outboundRefusal(target: string | URL, policy: OutboundPolicy): string | null {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return `${String(target)} is not an absolute URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `${url.protocol} URLs are not fetched`;
  if (url.username || url.password) return "URLs with credentials are not fetched";
  const host = normalizeHost(url.hostname);
  if (!host) return "the URL has no host";
  const ip = parseIp(host);
  if (ip) {
    const kind = classifyIp(ip);
    if (kind === "public") return null;
    if (kind === "loopback" && policy.allowLoopback) return null;
    return `${host} is ${/^[aeiou]/i.test(kind) ? "an" : "a"} ${kind} address, which this server does not fetch on a tenant's behalf`;
  }
  const loopbackName = host === "localhost" || host.endsWith(".localhost");
  if (loopbackName && policy.allowLoopback) return null;
  if (BLOCKED_NAMES.includes(host) || BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) {
    return `${host} is a local or internal name, which this server does not fetch on a tenant's behalf`;
  }
  if (policy.ownHosts.includes(host)) return `${host} is this deployment's own hostname`;
  return null;
}

/** A URL a tenant registers (webhook endpoint, MCP server, token endpoint): refused up front with a 400 naming the field. */
export function assertFetchableUrl(env: OutboundEnv, requestUrl: string, field: string, url: string | null | undefined) {
  if (!url) return;
  const refused = outboundRefusal(url, outboundPolicy(env, requestUrl));
  if (refused) throw badRequest(`${field}: ${refused}`);
}

export class OutboundRefused extends Error {
  constructor(readonly url: string, reason: string) {
    super(`refused to fetch ${url}: ${reason}`);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * `fetch` with the guard applied to the URL and to every redirect hop (followed by hand, at most
 * `maxRedirects`). A cross-origin hop drops the Authorization and Cookie headers, as browsers do; a 303 (and a
 * 301/302 after a POST) continues as a GET without a body; a 307/308 resends the body when it is replayable
 * (a string or bytes), otherwise the redirect response is returned as is. `check` adds a caller's own rule
 * (an environment's allow list, an agent's domains) per hop.
 */
export async function guardedFetch(
  input: string | URL,
  init: RequestInit,
  policy: OutboundPolicy,
  options: { maxRedirects?: number; check?: (url: URL) => string | null } = {},
): Promise<Response> {
  const maxRedirects = options.maxRedirects ?? 5;
  let url = new URL(input);
  let method = (init.method ?? "GET").toUpperCase();
  let body = init.body;
  const headers = new Headers(init.headers);
  for (let hop = 0; ; hop++) {
    const refused = outboundRefusal(url, policy) ?? options.check?.(url) ?? null;
    if (refused) throw new OutboundRefused(url.href, refused);
    const response = await fetch(url, { ...init, method, headers, body, redirect: "manual" });
    const location = response.headers.get("location");
    if (init.redirect === "manual" || !REDIRECTS.has(response.status) || !location) return response;
    if (hop >= maxRedirects) throw new OutboundRefused(url.href, `more than ${maxRedirects} redirects`);
    const next = new URL(location, url);
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
      if (method !== "HEAD") method = "GET";
      body = undefined;
      headers.delete("content-type");
    } else if (body != null && typeof body !== "string" && !(body instanceof Uint8Array) && !(body instanceof ArrayBuffer)) {
      return response;
    }
    if (next.origin !== url.origin) {
      headers.delete("authorization");
      headers.delete("cookie");
    }
    await response.body?.cancel();
    url = next;
  }
}
