#!/usr/bin/env node
// The MCP tunnel connector: run it inside your private network. It dials out to the deployment (no inbound port),
// holds a WebSocket to the tunnel's relay, and carries the brain's MCP requests for the tunnel's hostnames to your
// private MCP server, verifying that server's TLS certificate against the tunnel's CA certificates (which the relay
// sends; they are managed with client.beta.tunnels.certificates). Vault credentials are injected by the brain before
// a request reaches the tunnel: this process never holds them.
//
//   managed-agents-tunnel --url https://agents.example.com --token "$TUNNEL_TOKEN" --target https://mcp.internal:8443
//
// Several connectors may serve one tunnel (failover). A dropped connection is retried with backoff; a rotated or
// invalid token, or an archived tunnel, stops the connector with a message.
import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import { parseArgs } from "node:util";
import WebSocket from "ws";

const HELP = `Usage: managed-agents tunnel --url <deployment URL> --token <tunnel token> --target <origin> [options]

  --url <url>            the deployment (also MA_BASE_URL)
  --token <token>        the tunnel's connector token: client.beta.tunnels.revealToken(id) (also MA_TUNNEL_TOKEN)
  --target <origin>      where requests go, e.g. https://mcp.internal:8443 (path and query are kept)
  --route <host=origin>  send one tunnel hostname elsewhere (repeatable); hosts not listed go to --target
  --allow-plain-http     allow http:// targets (no TLS, so no certificate verification)
  --quiet                log only errors
  -h, --help             this help`;

/** Hop-by-hop headers never cross the tunnel. */
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host", "proxy-connection", "te", "trailer"]);

export function startConnector({ url, token, target, routes = {}, allowPlainHttp = false, log = console.log }) {
  for (const origin of [target, ...Object.values(routes)]) {
    const { protocol } = new URL(origin);
    if (protocol !== "https:" && !(protocol === "http:" && allowPlainHttp)) {
      throw new Error(`target ${origin}: must be https:// (or pass --allow-plain-http)`);
    }
  }
  const connectUrl = new URL("/tunnels/connect", url);
  connectUrl.protocol = connectUrl.protocol === "https:" ? "wss:" : "ws:";
  let trust = [];
  let socket;
  let stopped = false;
  let backoff = 500;
  const inflight = new Map();
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));

  const send = (frame) => socket?.readyState === WebSocket.OPEN && socket.send(JSON.stringify(frame));

  function forward(frame) {
    const incoming = new URL(frame.url);
    // This request's answer frames, numbered so the relay applies them in order (src/tunnels/protocol.ts).
    let seq = 0;
    const reply = (answer) => send({ ...answer, id: frame.id, seq: seq++ });
    if (!trust.length) {
      return reply({ type: "error", message: "the tunnel has no CA certificate: the connector verifies servers against none" });
    }
    const origin = new URL(routes[incoming.hostname] ?? target);
    const headers = Object.fromEntries(frame.headers.filter(([k]) => !HOP.has(k.toLowerCase())));
    const body = frame.body === null ? undefined : Buffer.from(frame.body, "base64");
    if (body) headers["content-length"] = String(body.length);
    const tls = origin.protocol === "https:";
    const req = (tls ? httpsRequest : httpRequest)(
      {
        protocol: origin.protocol,
        hostname: origin.hostname,
        port: origin.port || (tls ? 443 : 80),
        path: incoming.pathname + incoming.search,
        method: frame.method,
        headers: { ...headers, host: origin.host },
        // The tunnel's CA certificates, and only them: a server they did not sign is refused.
        ...(tls ? { ca: trust, rejectUnauthorized: true, servername: origin.hostname } : {}),
      },
      (res) => {
        const responseHeaders = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (!HOP.has(res.rawHeaders[i].toLowerCase())) responseHeaders.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        }
        reply({ type: "response", status: res.statusCode ?? 502, headers: responseHeaders });
        res.on("data", (chunk) => reply({ type: "data", chunk: chunk.toString("base64") }));
        res.on("end", () => {
          inflight.delete(frame.id);
          reply({ type: "end" });
        });
      },
    );
    inflight.set(frame.id, req);
    req.on("error", (err) => {
      inflight.delete(frame.id);
      log(`request ${frame.method} ${incoming.pathname} failed: ${err.message}`);
      reply({ type: "error", message: `the connector could not reach ${origin.origin}: ${err.message}` });
    });
    req.end(body);
  }

  function connect() {
    if (stopped) return;
    socket = new WebSocket(connectUrl, { headers: { authorization: `Bearer ${token}` } });
    socket.on("open", () => (backoff = 500));
    socket.on("message", (data) => {
      let frame;
      try {
        frame = JSON.parse(String(data));
      } catch {
        return;
      }
      if (frame.type === "hello") {
        trust = frame.trust;
        log(`connected: tunnel ${frame.tunnel_id} (${frame.domain}), ${trust.length} trusted CA certificate(s)`);
      } else if (frame.type === "trust") {
        trust = frame.trust;
        log(`trusted CA certificates updated: ${trust.length}`);
      } else if (frame.type === "request") {
        forward(frame);
      } else if (frame.type === "cancel") {
        inflight.get(frame.id)?.destroy();
        inflight.delete(frame.id);
      } else if (frame.type === "goodbye") {
        // Final: stop now; `close` would come only when the TCP connection ends, up to 30 s later.
        log(`the deployment closed the tunnel: ${frame.reason || frame.code} — not retrying`);
        stop(1);
        socket.terminate();
      }
    });
    socket.on("unexpected-response", (_req, res) => {
      const final = res.statusCode === 401;
      log(final ? "the deployment refused the tunnel token (401): check --token" : `connect failed: HTTP ${res.statusCode}`);
      socket.terminate();
      if (final) stop(1);
    });
    socket.on("error", (err) => log(`connection error: ${err.message}`));
    socket.on("close", (code, reason) => {
      for (const req of inflight.values()) req.destroy();
      inflight.clear();
      if (stopped) return;
      if (code === 4401 || code === 4410) {
        log(`the deployment closed the tunnel: ${String(reason) || code} — not retrying`);
        return stop(1);
      }
      log(`disconnected (${code}); reconnecting in ${backoff} ms`);
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30_000);
    });
  }

  function stop(code = 0) {
    stopped = true;
    socket?.close();
    resolveDone(code);
  }

  connect();
  return { stop, done };
}

/** `managed-agents tunnel …` and `managed-agents-tunnel …`: the connector's command line. */
export async function runTunnelCli(args = process.argv.slice(2)) {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: "string", default: process.env.MA_BASE_URL },
      token: { type: "string", default: process.env.MA_TUNNEL_TOKEN },
      target: { type: "string" },
      route: { type: "string", multiple: true, default: [] },
      "allow-plain-http": { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return console.log(HELP);
  const missing = ["url", "token", "target"].filter((k) => !values[k]);
  if (missing.length) {
    console.error(`missing --${missing.join(", --")}\n\n${HELP}`);
    process.exit(2);
  }
  const routes = Object.fromEntries(values.route.map((r) => r.split("=", 2)));
  const log = (line) => (values.quiet && !/fail|refus|error|closed/.test(line) ? undefined : console.error(`[tunnel] ${line}`));
  const connector = startConnector({ url: values.url, token: values.token, target: values.target, routes, allowPlainHttp: values["allow-plain-http"], log });
  process.on("SIGINT", () => connector.stop(0));
  process.on("SIGTERM", () => connector.stop(0));
  process.exitCode = await connector.done;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("managed-agents-tunnel")) {
  runTunnelCli().catch((err) => {
    console.error(`[tunnel] ${err.message}`);
    process.exit(2);
  });
}
