import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";
import {
  CLOSE_TOKEN_REJECTED,
  CLOSE_TUNNEL_ARCHIVED,
  fromBase64,
  toBase64,
  type ConnectorFrame,
  type RelayFrame,
} from "../../src/tunnels/protocol";

/** What the relay knows of its tunnel: written by the API on every change (create, rotate, certificates, archive). */
export interface TunnelState {
  tunnelId: string;
  workspaceId: string;
  domain: string;
  tokenId: string;
  trust: string[];
  archived: boolean;
}

/** Why a request could not be relayed; the brain reports it as the MCP server's connection failure. */
export class TunnelUnavailable extends Error {}

/** A connector that has not started answering by then is taken as gone. */
const RESPONSE_TIMEOUT_MS = 30_000;
/** Frames of one request held while an earlier one is missing; more than this and the connector is taken as broken. */
const MAX_EARLY_FRAMES = 64;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

interface Pending {
  tunnelId: string;
  socket: WebSocket;
  head: Deferred<Response>;
  /** The `seq` of the frame to apply next, and the frames that arrived ahead of it (see ConnectorFrame). */
  next: number;
  early: Map<number, ConnectorFrame>;
  /** A streamed answer (SSE): chunks are passed on as they come. */
  body?: ReadableStreamDefaultController<Uint8Array>;
  /** Any other answer: held until it is complete, then handed over whole. */
  buffered?: { status: number; headers: [string, string][]; chunks: Uint8Array[] };
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One per tunnel: holds its connectors' WebSockets (hibernatable, tagged with the token id they presented) and
 * relays the brain's MCP requests for the tunnel's hostnames through one of them, streaming the answer back.
 * Answers are handed back whole, except event streams (SSE), which are passed on chunk by chunk as they arrive.
 * Several connectors may serve a tunnel: each request goes to the next live one, so a connector that drops is
 * simply skipped. A rotated token refuses new connections but leaves established ones up (the contract); an
 * archived tunnel closes them all.
 */
export class TunnelRelay extends DurableObject<Env> {
  private readonly pending = new Map<string, Pending>();
  private next = 0;

  /** Records the tunnel's current state and tells live connectors what changed. */
  async sync(state: TunnelState): Promise<void> {
    const before = await this.ctx.storage.get<TunnelState>("state");
    await this.ctx.storage.put("state", state);
    for (const socket of this.ctx.getWebSockets()) {
      if (state.archived) closeFinally(socket, CLOSE_TUNNEL_ARCHIVED, "tunnel archived");
      else if (before?.trust.join() !== state.trust.join()) send(socket, { type: "trust", trust: state.trust });
    }
  }

  /** How many connectors are up (for the API and tests). */
  async connectors(): Promise<number> {
    return this.ctx.getWebSockets().length;
  }

  /** A connector dialing in; the Worker has checked the token's MAC, this checks it is still the current one. */
  async fetch(request: Request): Promise<Response> {
    const state = await this.ctx.storage.get<TunnelState>("state");
    const tokenId = request.headers.get("x-tunnel-token-id");
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [tokenId ?? ""]);
    if (!state || state.archived) closeFinally(server, CLOSE_TUNNEL_ARCHIVED, "tunnel archived");
    else if (tokenId !== state.tokenId) closeFinally(server, CLOSE_TOKEN_REJECTED, "tunnel token rotated or invalid");
    else send(server, { type: "hello", tunnel_id: state.tunnelId, domain: state.domain, trust: state.trust });
    return new Response(null, { status: 101, webSocket: client });
  }

  /** One HTTP request of the brain's MCP client, relayed through a live connector. */
  async relay(request: Request): Promise<Response> {
    const state = await this.ctx.storage.get<TunnelState>("state");
    if (!state || state.archived) throw new TunnelUnavailable("the tunnel is archived");
    if (!state.trust.length) throw new TunnelUnavailable(`tunnel ${state.tunnelId} has no CA certificate, so it rejects MCP traffic`);
    const sockets = this.ctx.getWebSockets().filter((s) => s.readyState === WebSocket.OPEN);
    if (!sockets.length) throw new TunnelUnavailable(`tunnel ${state.tunnelId} has no live connector`);

    const id = crypto.randomUUID();
    const body = request.body ? toBase64(new Uint8Array(await request.arrayBuffer())) : null;
    const frame: RelayFrame = { type: "request", id, method: request.method, url: request.url, headers: [...request.headers], body };
    // Round robin; a socket that fails to take the frame is skipped for the next.
    for (let tried = 0; tried < sockets.length; tried++) {
      const socket = sockets[this.next++ % sockets.length]!;
      try {
        socket.send(JSON.stringify(frame));
      } catch {
        continue;
      }
      const head = deferred<Response>();
      const timer = setTimeout(() => this.fail(id, `tunnel ${state.tunnelId}: the connector did not answer within ${RESPONSE_TIMEOUT_MS / 1000} s`), RESPONSE_TIMEOUT_MS);
      this.pending.set(id, { tunnelId: state.tunnelId, socket, head, next: 0, early: new Map(), timer });
      return head.promise;
    }
    throw new TunnelUnavailable(`tunnel ${state.tunnelId} has no live connector`);
  }

  async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    let frame: ConnectorFrame;
    try {
      frame = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
    } catch {
      return;
    }
    const pending = this.pending.get(frame.id);
    if (!pending || pending.socket !== socket) return;
    const seq = frame.seq ?? pending.next;
    if (seq < pending.next) return;
    if (seq > pending.next) {
      if (pending.early.size >= MAX_EARLY_FRAMES) {
        this.fail(frame.id, `tunnel ${pending.tunnelId}: the connector's answer arrived more than ${MAX_EARLY_FRAMES} frames out of order`);
      } else pending.early.set(seq, frame);
      return;
    }
    // Apply this frame, then any held frames it unblocks, while the request is still open.
    for (let next: ConnectorFrame | undefined = frame; next && this.pending.get(frame.id) === pending; next = takeNext(pending)) {
      pending.next++;
      this.apply(pending, next);
    }
  }

  private apply(pending: Pending, frame: ConnectorFrame) {
    const answered = pending.buffered !== undefined || pending.body !== undefined;
    switch (frame.type) {
      case "response": {
        if (answered) return this.fail(frame.id, `tunnel ${pending.tunnelId}: the connector answered one request twice`);
        const streamed = frame.headers.some(([k, v]) => k.toLowerCase() === "content-type" && v.includes("text/event-stream"));
        if (!streamed) {
          pending.buffered = { status: frame.status, headers: frame.headers, chunks: [] };
          return;
        }
        clearTimeout(pending.timer);
        const body = new ReadableStream<Uint8Array>({ start: (controller) => void (pending.body = controller) });
        pending.head.resolve(new Response(body, { status: frame.status, headers: frame.headers }));
        return;
      }
      case "data": {
        if (!answered) return this.fail(frame.id, `tunnel ${pending.tunnelId}: the connector sent a body before its response`);
        const chunk = fromBase64(frame.chunk);
        if (!chunk.length) return;
        if (pending.buffered) pending.buffered.chunks.push(chunk);
        else pending.body?.enqueue(chunk);
        return;
      }
      case "end": {
        if (!answered) return this.fail(frame.id, `tunnel ${pending.tunnelId}: the connector ended a request without answering it`);
        this.pending.delete(frame.id);
        clearTimeout(pending.timer);
        pending.body?.close();
        const done = pending.buffered;
        if (done) {
          const body = nullBodyStatus(done.status) ? null : concat(done.chunks);
          pending.head.resolve(new Response(body, { status: done.status, headers: done.headers }));
        }
        return;
      }
      case "error":
        return this.fail(frame.id, frame.message);
    }
  }

  async webSocketClose(socket: WebSocket): Promise<void> {
    this.dropSocket(socket, "the connector disconnected");
  }

  async webSocketError(socket: WebSocket): Promise<void> {
    this.dropSocket(socket, "the connector's connection failed");
  }

  private dropSocket(socket: WebSocket, why: string) {
    for (const [id, pending] of this.pending) if (pending.socket === socket) this.fail(id, why);
  }

  private fail(id: string, message: string) {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    const error = new TunnelUnavailable(message);
    pending.head.reject(error);
    pending.body?.error(error);
  }
}

/** The held frame that comes next for `pending`, if it has arrived. */
const takeNext = (pending: Pending) => {
  const frame = pending.early.get(pending.next);
  pending.early.delete(pending.next);
  return frame;
};

const send = (socket: WebSocket, frame: RelayFrame) => {
  try {
    socket.send(JSON.stringify(frame));
  } catch {
    // A socket closing under us: its close handler fails what was pending on it.
  }
};

const concat = (chunks: Uint8Array[]) => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  return out;
};

const nullBodyStatus = (status: number) => status === 101 || status === 204 || status === 205 || status === 304;

/** A close the connector must not retry: said in a frame first, so it stops now rather than when `ws` sees the close. */
function closeFinally(socket: WebSocket, code: number, reason: string) {
  send(socket, { type: "goodbye", code, reason });
  socket.close(code, reason);
}
