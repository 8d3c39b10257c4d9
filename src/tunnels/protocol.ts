/**
 * The wire protocol between a tunnel's relay (Durable Object) and its connectors: JSON text frames over one
 * WebSocket the connector dials out (no inbound port on the customer's side). Bodies travel base64 in chunks, so
 * a streamed MCP response (SSE) reaches the brain as it is produced. `bin/tunnel-connector.mjs` speaks the other end.
 */
export type RelayFrame =
  /** First frame on a new connection: who it serves and the CA certificates it must verify servers against. */
  | { type: "hello"; tunnel_id: string; domain: string; trust: string[] }
  /** The trusted set changed (a certificate was added or archived). */
  | { type: "trust"; trust: string[] }
  | { type: "request"; id: string; method: string; url: string; headers: [string, string][]; body: string | null }
  /** The brain gave up on a request (timeout, abort): the connector stops sending it. */
  | { type: "cancel"; id: string }
  /**
   * Sent just before a final close (4401 / 4410): the connector stops on it rather than on the close itself, which
   * `ws` reports only once the TCP connection ends, up to 30 s later where the host keeps it open after the close
   * handshake (wrangler dev does).
   */
  | { type: "goodbye"; code: number; reason: string };

/**
 * A connector's answer to one request: a `response` head, `data` chunks and an `end`, or an `error` instead. `seq`
 * numbers one request's frames from 0 and the relay applies them in that order: a host that interposes on the
 * relay's WebSocket handlers need not call them in the order the frames arrived (vitest-pool-workers awaits a
 * round trip per event; without `seq` an `end` overtaking its `data` emptied the body, or overtaking its `response`
 * left the request hanging). A frame without `seq` (an older connector) is applied as it arrives.
 */
export type ConnectorFrame = { id: string; seq?: number } & (
  | { type: "response"; status: number; headers: [string, string][] }
  | { type: "data"; chunk: string }
  | { type: "end" }
  | { type: "error"; message: string }
);

/** Close codes a connector acts on: a bad or rotated token and an archived tunnel are final, others are retried. */
export const CLOSE_TOKEN_REJECTED = 4401;
export const CLOSE_TUNNEL_ARCHIVED = 4410;

export const toBase64 = (bytes: Uint8Array) => {
  let out = "";
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(out);
};
export const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
