/**
 * IP address literals and the ranges a server must not reach on a tenant's behalf (outbound-guard.ts).
 * Addresses are parsed from the URL parser's normalised hostnames: IPv4 as dotted decimal, IPv6 without
 * brackets (`::`, embedded dotted IPv4 and zone-less forms).
 */

export type IpAddress = { version: 4; bytes: number[] } | { version: 6; words: number[] };
export type IpKind = "public" | "loopback" | "private" | "link-local" | "CGNAT" | "multicast" | "reserved" | "unspecified";

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIp(host: string): IpAddress | null {
  const v4 = parseIpv4(host);
  if (v4) return { version: 4, bytes: v4 };
  return host.includes(":") ? parseIpv6(host) : null;
}

function parseIpv4(host: string): number[] | null {
  const m = DOTTED.exec(host);
  if (!m) return null;
  const bytes = m.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

function parseIpv6(host: string): IpAddress | null {
  let text = host;
  // A trailing dotted IPv4 (::ffff:127.0.0.1) is two 16-bit groups.
  const lastColon = text.lastIndexOf(":");
  const v4 = parseIpv4(text.slice(lastColon + 1));
  if (v4) text = `${text.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s ? s.split(":") : []);
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const words = [...head, ...new Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest].map((g) => parseInt(g, 16));
  return { version: 6, words };
}

const inV4 = (b: number[], prefix: number[], bits: number) => {
  const addr = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  const net = ((prefix[0] << 24) | ((prefix[1] ?? 0) << 16) | ((prefix[2] ?? 0) << 8) | (prefix[3] ?? 0)) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (addr & mask) === (net & mask);
};

const V4_RANGES: Array<[number[], number, IpKind]> = [
  [[0], 8, "unspecified"],
  [[10], 8, "private"],
  [[100, 64], 10, "CGNAT"],
  [[127], 8, "loopback"],
  [[169, 254], 16, "link-local"],
  [[172, 16], 12, "private"],
  [[192, 0, 0], 24, "reserved"],
  [[192, 0, 2], 24, "reserved"],
  [[192, 88, 99], 24, "reserved"],
  [[192, 168], 16, "private"],
  [[198, 18], 15, "reserved"],
  [[198, 51, 100], 24, "reserved"],
  [[203, 0, 113], 24, "reserved"],
  [[224], 4, "multicast"],
  [[240], 4, "reserved"],
];

function classifyV4(bytes: number[]): IpKind {
  for (const [prefix, bits, kind] of V4_RANGES) if (inV4(bytes, prefix, bits)) return kind;
  return "public";
}

const embeddedV4 = (w: number[], at: number) => [w[at] >> 8, w[at] & 0xff, w[at + 1] >> 8, w[at + 1] & 0xff];

function classifyV6(w: number[]): IpKind {
  const zeroUntil = (n: number) => w.slice(0, n).every((x) => x === 0);
  if (zeroUntil(8)) return "unspecified";
  if (zeroUntil(7) && w[7] === 1) return "loopback";
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48): the IPv4 decides.
  if (zeroUntil(5) && w[5] === 0xffff) return classifyV4(embeddedV4(w, 6));
  if (zeroUntil(6)) return classifyV4(embeddedV4(w, 6));
  if (w[0] === 0x64 && w[1] === 0xff9b && (w[2] === 1 || w.slice(2, 6).every((x) => x === 0))) return classifyV4(embeddedV4(w, 6));
  // 6to4 (2002::/16) carries an IPv4 in its next 32 bits; Teredo (2001::/32) hides one, so it is refused whole.
  if (w[0] === 0x2002) return classifyV4(embeddedV4(w, 1));
  if (w[0] === 0x2001 && w[1] === 0) return "reserved";
  if (w[0] === 0x2001 && w[1] === 0xdb8) return "reserved";
  if ((w[0] & 0xfe00) === 0xfc00) return "private";
  if ((w[0] & 0xffc0) === 0xfe80 || (w[0] & 0xffc0) === 0xfec0) return "link-local";
  if ((w[0] & 0xff00) === 0xff00) return "multicast";
  if (w[0] === 0x100 && w.slice(1, 4).every((x) => x === 0)) return "reserved";
  return "public";
}

export function classifyIp(ip: IpAddress): IpKind {
  return ip.version === 4 ? classifyV4(ip.bytes) : classifyV6(ip.words);
}
