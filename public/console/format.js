// Display helpers: numbers, durations and times as people read them.

/** 1234 → "1.2k". @param {number | null | undefined} n */
export function tokens(n) {
  const v = n ?? 0;
  if (v < 1000) return String(v);
  if (v < 1_000_000) return `${(v / 1000).toFixed(v < 10_000 ? 1 : 0)}k`;
  return `${(v / 1_000_000).toFixed(1)}M`;
}

/** Seconds → "42s", "3m 5s", "2h 4m". @param {number | null | undefined} s */
export function duration(s) {
  const v = Math.round(s ?? 0);
  if (v < 60) return `${v}s`;
  if (v < 3600) return `${Math.floor(v / 60)}m ${v % 60}s`;
  return `${Math.floor(v / 3600)}h ${Math.floor((v % 3600) / 60)}m`;
}

/** An ISO time relative to now: "just now", "5m ago", "3d ago", then a date. @param {string} iso */
export function ago(iso) {
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)}h ago`;
  if (seconds < 86400 * 7) return `${Math.round(seconds / 86400)}d ago`;
  return new Date(iso).toLocaleDateString(undefined, { month: "short", day: "numeric", year: "numeric" });
}

/** "14:03:27" for the timeline. @param {string | null | undefined} iso */
export function clock(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

/** Full local date and time, for tooltips. @param {string | null | undefined} iso */
export function full(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

/** Total input tokens of a usage object, cache reads and writes included. @param {any} usage */
export function inputTokens(usage) {
  const cache = usage?.cache_creation ?? {};
  return (
    (usage?.input_tokens ?? 0) +
    (usage?.cache_read_input_tokens ?? 0) +
    (cache.ephemeral_5m_input_tokens ?? 0) +
    (cache.ephemeral_1h_input_tokens ?? 0)
  );
}

/** Cache tokens of a usage object: reads and writes (both TTLs). @param {any} usage */
export function cacheTokens(usage) {
  const cache = usage?.cache_creation ?? {};
  return { read: usage?.cache_read_input_tokens ?? 0, written: (cache.ephemeral_5m_input_tokens ?? 0) + (cache.ephemeral_1h_input_tokens ?? 0) };
}

/**
 * A BetaMonetaryAmount ({ amount: minor units as a decimal string, currency }) as "$0.42"; "—" when the server
 * has not priced the session (`list_cost` is absent until cost tracking is available).
 * @param {{ amount: string, currency: string } | null | undefined} money
 */
export function cost(money) {
  if (!money) return "—";
  const minor = Number(money.amount);
  return new Intl.NumberFormat(undefined, { style: "currency", currency: money.currency }).format(minor / 100);
}

/** Milliseconds between two ISO times as "850ms", "4.2s", "3m 5s"; "" when either is missing. @param {string} from @param {string} to */
export function elapsed(from, to) {
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return duration(ms / 1000);
}
