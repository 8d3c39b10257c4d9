import { env } from "cloudflare:workers";
import { CA_PEM } from "../fixtures/tunnel-certificates";
import { worker } from "./client";
import { sessionTenant } from "./sessions";

/**
 * A connector played by the test: it dials `/tunnels/connect` like `bin/tunnel-connector.mjs` and answers each
 * relayed request by fetching `target` (a private MCP server the test serves), keeping path and query. `arrange`
 * may reorder or drop a request's answer frames (numbered by `seq`) before they are sent.
 */
export async function connect(token: string, target: string, arrange: (answer: any[]) => any[] = (answer) => answer) {
  const res = await worker.fetch("http://managed-agents.test/tunnels/connect", {
    headers: { upgrade: "websocket", authorization: `Bearer ${token}` },
  });
  const socket = res.webSocket;
  if (!socket) return { status: res.status, body: await res.text() };
  socket.accept();
  const frames: any[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
  socket.addEventListener("message", async (event) => {
    const frame = JSON.parse(event.data as string);
    frames.push(frame);
    if (frame.type !== "request") return;
    const url = new URL(frame.url);
    const upstream = await fetch(`${target}${url.pathname}${url.search}`, {
      method: frame.method,
      headers: frame.headers,
      body: frame.body === null ? undefined : Uint8Array.from(atob(frame.body), (c) => c.charCodeAt(0)),
    });
    const head = { type: "response", id: frame.id, seq: 0, status: upstream.status, headers: [...upstream.headers] };
    if (upstream.headers.get("content-type")?.includes("text/event-stream")) return socket.send(JSON.stringify(head)); // stays open
    const bytes = new Uint8Array(await upstream.arrayBuffer());
    const answer = [head, { type: "data", id: frame.id, seq: 1, chunk: btoa(String.fromCharCode(...bytes)) }, { type: "end", id: frame.id, seq: 2 }];
    for (const f of arrange(answer)) socket.send(JSON.stringify(f));
  });
  return { status: res.status, socket, frames, closed };
}

export const connectors = (tunnelId: string) => env.TUNNEL_RELAYS.get(env.TUNNEL_RELAYS.idFromName(tunnelId)).connectors();

/** A tenant with a tunnel trusting CA_PEM, and an agent whose MCP server "private" is `https://mcp.<tunnel domain>/mcp`. */
export async function tunnelledSession() {
  const tenant = await sessionTenant();
  const tunnel = await tenant.client.beta.tunnels.create({ display_name: "office" });
  await tenant.client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: CA_PEM });
  const url = `https://mcp.${tunnel.domain}/mcp`;
  const agent = await tenant.client.beta.agents.create({
    name: "tunnelled",
    model: "claude-fake-1",
    mcp_servers: [{ type: "url", name: "private", url }],
    tools: [{ type: "mcp_toolset", mcp_server_name: "private", default_config: { permission_policy: { type: "always_allow" } } }],
  });
  const vault = await tenant.client.beta.vaults.create({ display_name: "mcp" });
  return { ...tenant, tunnel, url, agent, vault };
}
