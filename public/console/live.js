// Follows a session's events over the WebSocket stream, resuming after the last event seen on every
// reconnect (`after_id`), so a dropped connection loses nothing and repeats nothing.
import { BETA } from "./api.js";

const PING_MS = 25_000;
const MAX_BACKOFF_MS = 10_000;

/**
 * @typedef {"connecting" | "live" | "reconnecting" | "closed"} LiveState
 * @typedef {{
 *   apiKey: string,
 *   sessionId: string,
 *   afterId?: string,
 *   onEvent: (event: any) => void,
 *   onPreview?: (preview: any) => void,
 *   onState?: (state: LiveState, detail?: string) => void,
 *   onOpen?: (resumed: boolean) => void,
 *   check?: () => Promise<string | undefined>,
 * }} FollowOptions
 */

export class LiveStream {
  /** @param {FollowOptions} options */
  constructor(options) {
    this.options = options;
    /** The id of the last stored event delivered: where the next connection resumes. */
    this.lastId = options.afterId;
    this.attempt = 0;
    this.stopped = false;
    /** @type {WebSocket | undefined} */
    this.ws = undefined;
    this.timer = undefined;
    this.ping = undefined;
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    const { apiKey, sessionId } = this.options;
    const url = new URL(`/v1/sessions/${encodeURIComponent(sessionId)}/events/ws`, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    if (this.lastId) url.searchParams.set("after_id", this.lastId);
    url.searchParams.append("event_deltas[]", "agent.message");
    url.searchParams.append("event_deltas[]", "agent.thinking");
    // Browsers cannot send headers on a WebSocket: the key and beta travel as offered subprotocols and the
    // server answers with `managed-agents` alone. The key never appears in the URL.
    const ws = new WebSocket(url, ["managed-agents", `anthropic-beta.${BETA}`, `x-api-key.${apiKey}`]);
    this.ws = ws;
    let opened = false;
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    ws.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.setState("live");
      this.options.onOpen?.(Boolean(this.lastId));
      this.ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send("ping"), PING_MS);
    };
    ws.onmessage = (message) => {
      if (typeof message.data !== "string" || !message.data.startsWith("{")) return; // "pong"
      const data = JSON.parse(message.data);
      if (data.type === "event_start" || data.type === "event_delta") return this.options.onPreview?.(data);
      if (this.lastId && data.id <= this.lastId) return; // ids sort in log order: already seen
      this.lastId = data.id;
      this.options.onEvent(data);
      if (data.type === "session.deleted") this.stop("deleted");
    };
    ws.onclose = () => {
      clearInterval(this.ping);
      if (this.stopped || this.ws !== ws) return;
      this.retry(opened);
    };
  }

  /** @param {boolean} wasOpen */
  async retry(wasOpen) {
    this.attempt++;
    // A handshake that keeps failing may be a revoked key or a deleted session: ask the REST API, which
    // can say why (a failed WebSocket handshake cannot).
    if (!wasOpen && this.attempt >= 2 && this.options.check) {
      const fatal = await this.options.check().catch(() => undefined);
      if (fatal) return this.stop(fatal);
    }
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.attempt - 1, 5)) * (0.75 + Math.random() / 2);
    this.setState("reconnecting");
    this.timer = setTimeout(() => this.connect(), wasOpen && this.attempt === 1 ? 0 : delay);
  }

  /** Drops the current socket to test resumption (or to recover a stalled one): reconnects after the last id. */
  reconnectNow() {
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000, "reconnect");
    clearInterval(this.ping);
    clearTimeout(this.timer);
    this.attempt = Math.max(this.attempt, 1);
    this.connect();
  }

  /** @param {string} [reason] */
  stop(reason) {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.ping);
    this.ws?.close(1000, "done");
    this.setState("closed", reason);
  }

  /** @param {LiveState} state @param {string} [detail] */
  setState(state, detail) {
    this.state = state;
    this.options.onState?.(state, detail);
  }
}
