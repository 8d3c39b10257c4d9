import type { NetworkPolicy } from "./environment";
import { normalizeHost } from "../lib/outbound-guard";

/**
 * Public package registries a `limited` environment may reach when `allow_package_managers` is set (and that the
 * provision step's installs need): apt, pip, npm, cargo, gem and go.
 */
export const PACKAGE_REGISTRY_HOSTS = [
  "archive.ubuntu.com",
  "security.ubuntu.com",
  "ports.ubuntu.com",
  "deb.debian.org",
  "pypi.org",
  "files.pythonhosted.org",
  "registry.npmjs.org",
  "crates.io",
  "index.crates.io",
  "static.crates.io",
  "rubygems.org",
  "index.rubygems.org",
  "proxy.golang.org",
  "sum.golang.org",
  "storage.googleapis.com",
];

/** The hosts a sandbox may reach: "all" for unrestricted networking, otherwise an explicit list. */
export function egressAllowList(policy: NetworkPolicy): "all" | string[] {
  if (policy.type === "unrestricted") return "all";
  const hosts = [...(policy.allowed_hosts ?? [])];
  if (policy.allow_package_managers) hosts.push(...PACKAGE_REGISTRY_HOSTS);
  return [...new Set(hosts.map((h) => h.trim().toLowerCase()).filter(Boolean))];
}

/** One egress decision: `*.example.com` matches subdomains only, anything else the exact host (`x.com.` is `x.com`). */
export function isEgressAllowed(policy: NetworkPolicy, url: string | URL): boolean {
  const allow = egressAllowList(policy);
  if (allow === "all") return true;
  let host: string;
  try {
    host = normalizeHost(new URL(url).hostname);
  } catch {
    return false;
  }
  return allow.some((pattern) => (pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) : host === pattern));
}

/** The container's egress settings: no internet at all under `limited`, except the allow-listed hosts. */
export function containerEgress(policy: NetworkPolicy): { enableInternet: boolean; allowedHosts: string[] } {
  const allow = egressAllowList(policy);
  return allow === "all" ? { enableInternet: true, allowedHosts: [] } : { enableInternet: false, allowedHosts: allow };
}
