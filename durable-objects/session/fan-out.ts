import { inSessionView, threadOwnView } from "./thread-view";
import type { SessionEvent, StoredEvent } from "./types";

/** Event types a connection may ask to preview while they are produced (`event_deltas`). */
export type DeltaType = "agent.message" | "agent.thinking";

export type Preview =
  | { type: "event_start"; event: { id: string; type: DeltaType } }
  | { type: "event_delta"; event_id: string; delta: { type: "content_delta"; content: { type: "text"; text: string }; index: number } };

interface SseSubscriber {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  deltas: Set<DeltaType>;
  /** A child thread's stream (`threads.events.stream`); absent: the session's. */
  thread?: string;
  /** Frames written that the connection has not taken yet. */
  pending: number;
}

interface SocketAttachment {
  deltas: DeltaType[];
}

const encoder = new TextEncoder();
/** A subscriber this far behind (frames queued, unread) is cut off; it reconnects with its last event id. */
const MAX_BUFFERED_FRAMES = 10_000;
/** Bytes an SSE connection buffers natively before a write waits on the reader (writes are never awaited). */
const SSE_BUFFER_BYTES = 1 << 20;
const HEARTBEAT_MS = 15_000;

/**
 * Delivers committed events to every live connection of the session: SSE streams (held in memory) and
 * hibernatable WebSockets (`ctx.acceptWebSocket`, so idle sockets cost nothing while the DO sleeps).
 * A connection is registered in the same synchronous step that reads its backlog from the log, and
 * events are published in the same step that commits them, so there is no gap and no duplicate between
 * replay and live delivery.
 */
export class FanOut {
  private readonly sse = new Set<SseSubscriber>();
  /** Preview id → previewed type, so deltas reach only connections that asked for that type. */
  private readonly previews = new Map<string, DeltaType>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly ctx: DurableObjectState) {}

  /**
   * An SSE response that replays `backlog`, then follows the log live (one child thread's part of it, given
   * `thread`). The body is a native pipe (`IdentityTransformStream`): a frame written here goes out without the
   * runtime pulling each chunk through JavaScript at every hop, which is what made a JS `ReadableStream` cost
   * several times a WebSocket per subscriber.
   */
  openSse(backlog: StoredEvent[], deltas: DeltaType[], thread?: string): Response {
    const { readable, writable } = new IdentityTransformStream({ highWaterMark: SSE_BUFFER_BYTES });
    const subscriber: SseSubscriber = { writer: writable.getWriter(), deltas: new Set(deltas), pending: 0, ...(thread ? { thread } : {}) };
    this.send(subscriber, encoder.encode(": connected\n\n"));
    for (const stored of backlog) {
      const event = thread ? threadOwnView(stored.event) : stored.event;
      this.send(subscriber, sseFrame(event.type, event, event.id));
    }
    this.sse.add(subscriber);
    // The client went away: the pipe's reader is cancelled, and the writer closes with an error.
    subscriber.writer.closed.catch(() => this.sse.delete(subscriber));
    this.ensureHeartbeat();
    return new Response(readable, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      },
    });
  }

  /** Accepts a WebSocket (hibernatable), replays `backlog` on it, then follows the log live. */
  openWebSocket(backlog: StoredEvent[], deltas: DeltaType[]): Response {
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ deltas } satisfies SocketAttachment);
    for (const { event } of backlog) server.send(JSON.stringify(event));
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Delivers one commit's events. Each SSE connection gets them in one write: the events a transaction committed
   * travel as one chunk through every hop to the client (each chunk costs every hop, whatever its size), and
   * nothing is encoded for a kind of connection nobody has open.
   */
  publish(events: StoredEvent[]) {
    const sockets = this.ctx.getWebSockets();
    const session: string[] = [];
    const threads = new Map<string, string[]>();
    for (const stored of events) {
      const { event } = stored;
      if (event.type === "agent.message" || event.type === "agent.thinking") this.previews.delete(event.id);
      if (stored.thread && this.sse.size) {
        const own = threadOwnView(event);
        const frames = threads.get(stored.thread) ?? [];
        frames.push(sseText(own.type, JSON.stringify(own), own.id));
        threads.set(stored.thread, frames);
      }
      if (!inSessionView(stored) || (!this.sse.size && !sockets.length)) continue;
      const json = JSON.stringify(event);
      if (this.sse.size) session.push(sseText(event.type, json, event.id));
      for (const ws of sockets) trySend(ws, json);
    }
    if (!this.sse.size) return;
    const sessionFrames = session.length ? encoder.encode(session.join("")) : undefined;
    const threadFrames = new Map([...threads].map(([thread, frames]) => [thread, { bytes: encoder.encode(frames.join("")), count: frames.length }]));
    for (const subscriber of this.sse) {
      if (!subscriber.thread) {
        if (sessionFrames) this.send(subscriber, sessionFrames, session.length);
        continue;
      }
      const own = threadFrames.get(subscriber.thread);
      if (own) this.send(subscriber, own.bytes, own.count);
    }
  }

  /**
   * A best-effort preview (`event_start` / `event_delta`): never stored, no `id:` line (not resumable).
   * A child thread's previews (`thread`) reach only that thread's streams, never the session's.
   */
  preview(preview: Preview, thread?: string) {
    const type = preview.type === "event_start" ? preview.event.type : this.previews.get(preview.event_id);
    if (!type) return;
    if (preview.type === "event_start") this.previews.set(preview.event.id, type);
    const frame = sseFrame(preview.type, preview);
    for (const subscriber of this.sse) if (subscriber.thread === thread && subscriber.deltas.has(type)) this.send(subscriber, frame);
    if (thread) return;
    const json = JSON.stringify(preview);
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = ws.deserializeAttachment() as SocketAttachment | null;
      if (attachment?.deltas.includes(type)) trySend(ws, json);
    }
  }

  /** Whether any live connection (of a child thread's streams, given `thread`) previews this event type. */
  wants(type: DeltaType, thread?: string): boolean {
    for (const subscriber of this.sse) if (subscriber.thread === thread && subscriber.deltas.has(type)) return true;
    if (thread) return false;
    return this.ctx.getWebSockets().some((ws) => (ws.deserializeAttachment() as SocketAttachment | null)?.deltas.includes(type));
  }

  /** Previews that will never conclude (the model call ended early): forget them. */
  clearPreviews() {
    this.previews.clear();
  }

  /** Ends every connection, after a last event (`session.deleted`). */
  closeAll(...last: SessionEvent[]) {
    for (const subscriber of this.sse) {
      for (const event of last) this.send(subscriber, sseFrame(event.type, event, event.id));
      subscriber.writer.close().catch(() => {}); // after what is queued; fails only if the client is gone

    }
    this.sse.clear();
    for (const ws of this.ctx.getWebSockets()) {
      for (const event of last) trySend(ws, JSON.stringify(event));
      try {
        ws.close(1000, "session deleted");
      } catch {
        // already closing
      }
    }
    this.stopHeartbeat();
  }

  get sseCount() {
    return this.sse.size;
  }

  /** Writes without waiting: one subscriber's slow connection never holds up the others (or the commit). `frames`: how many `bytes` holds. */
  private send(subscriber: SseSubscriber, bytes: Uint8Array, frames = 1) {
    if (subscriber.pending > MAX_BUFFERED_FRAMES) {
      this.sse.delete(subscriber);
      subscriber.writer.close().catch(() => {});
      return;
    }
    subscriber.pending += frames;
    subscriber.writer.write(bytes).then(
      () => (subscriber.pending -= frames),
      () => this.sse.delete(subscriber),
    );
  }

  private ensureHeartbeat() {
    if (this.heartbeat) return;
    // A comment line keeps proxies from closing a quiet stream; the SDK's decoder skips it.
    this.heartbeat = setInterval(() => {
      if (this.sse.size === 0) return this.stopHeartbeat();
      const frame = encoder.encode(": ping\n\n");
      for (const subscriber of this.sse) this.send(subscriber, frame);
    }, HEARTBEAT_MS);
  }

  private stopHeartbeat() {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

/** One SSE message: `event:` line, one JSON `data:` line, and `id:` for resumable (stored) events. */
function sseFrame(type: string, data: unknown, id?: string): Uint8Array {
  return encoder.encode(sseText(type, JSON.stringify(data), id));
}

function sseText(type: string, json: string, id?: string): string {
  return `event: ${type}\ndata: ${json}\n${id ? `id: ${id}\n` : ""}\n`;
}

function trySend(ws: WebSocket, message: string) {
  try {
    ws.send(message);
  } catch {
    // a socket closing under us; its close handler cleans up
  }
}
