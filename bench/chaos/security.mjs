// (f) Security: the classes of issue 14, probed end to end against wrangler dev. Each finding names the branch
// whose fix it waits for (sec-hardening, sec-boundary, quotas); any finding fails `npm run chaos`.
import http from "node:http";
import { createWorkspace } from "../lib/fixtures.mjs";
import { BETA } from "./cases.mjs";
import { httpSender } from "./http.mjs";
import {
  DEFAULT_SIZES,
  probeAutoPermission,
  probeHandsToken,
  probeHostileTools,
  probeHostileUpload,
  probeOutbound,
  probeQuotas,
  probeSizes,
} from "./security-probes.mjs";

/** A loopback server answering a random marker: what an SSRF would read. Records every path it is asked for. */
async function markerServer() {
  const marker = `CHAOS-MARKER-${Math.random().toString(36).slice(2)}`;
  const paths = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url);
    if (req.url === "/redirect") {
      res.writeHead(302, { location: `http://127.0.0.1:${server.address().port}/` });
      return res.end();
    }
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(marker);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { marker, port: server.address().port, paths, close: () => server.close() };
}

/** A user.message of about `size` bytes, with a content-length or chunked (no length: only the stream tells). */
function sizedSender(baseURL, apiKey) {
  const { hostname, port } = new URL(baseURL);
  const send = (sessionId, size, chunked) =>
    new Promise((resolve) => {
      const head = Buffer.from('{"events":[{"type":"user.message","content":[{"type":"text","text":"');
      const tail = Buffer.from('"}]}]}');
      const fill = Buffer.alloc(Math.min(size, 1024 * 1024), "a");
      const headers = { "x-api-key": apiKey, "anthropic-beta": BETA, "content-type": "application/json" };
      if (!chunked) headers["content-length"] = String(head.length + size + tail.length);
      const req = http.request({ hostname, port, method: "POST", path: `/v1/sessions/${sessionId}/events`, headers, timeout: 120_000 });
      req.on("response", (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      });
      req.on("error", (err) => resolve({ status: 0, text: `connection error: ${err.message}` }));
      req.on("timeout", () => req.destroy(new Error("timeout")));
      (async () => {
        req.write(head);
        for (let sent = 0; sent < size; sent += fill.length) {
          if (!req.write(fill.subarray(0, Math.min(fill.length, size - sent)))) await new Promise((r) => req.once("drain", r));
          if (req.destroyed) return;
        }
        req.end(tail);
      })();
    });
  send.chunking = true;
  return send;
}

/** Whose fix a probe's class waits for, when the probe itself cannot finish. */
const OWNERS = { tools: "sec-hardening", upload: "sec-hardening", auto: "sec-hardening", hands: "sec-hardening", sizes: "sec-boundary", outbound: "sec-boundary", quotas: "quotas" };

export async function security(stack, { sizes = DEFAULT_SIZES, only } = {}) {
  console.log("\n(f) Security: hostile tool inputs, uploads, auto permission, hands tokens, sizes, outbound, quotas");
  const send = httpSender(stack.baseURL, { timeoutMs: 120_000 });
  const { apiKey } = await createWorkspace(stack, "chaos-security");
  const server = await markerServer();
  const loopback = ["127.0.0.1", "localhost", "localhost.", "[::1]", "2130706433", "0x7f.0.0.1", "127.1"].map(
    (host) => `http://${host}:${server.port}/`,
  );
  const probes = {
    tools: () => probeHostileTools(send, { apiKey }),
    upload: () => probeHostileUpload(send, { apiKey }),
    auto: () => probeAutoPermission(send, { apiKey }),
    hands: () => probeHandsToken(send, { apiKey }),
    sizes: () => probeSizes(send, { apiKey, sizes, sendSized: sizedSender(stack.baseURL, apiKey) }),
    outbound: () =>
      probeOutbound(send, {
        apiKey,
        targets: [...loopback, `http://127.0.0.1:${server.port}/redirect`],
        blocked: ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://192.168.0.1/", "http://[fd00::1]/", `http://${new URL(stack.baseURL).host}/health`],
        marker: server.marker,
        hits: () => server.paths.filter((p) => p === "/hook" || p === "/mcp"),
      }),
    quotas: () => probeQuotas(send, { apiKey }),
  };
  const findings = [];
  let checked = 0;
  try {
    for (const [name, probe] of Object.entries(probes)) {
      if (only && !only.includes(name)) continue;
      const started = Date.now();
      try {
        const result = await probe();
        findings.push(...result.findings);
        checked += result.checked;
        console.log(`  ${result.findings.length ? "✗" : "✓"} ${name}: ${result.checked} checks, ${result.findings.length} findings (${Date.now() - started} ms)`);
      } catch (err) {
        findings.push({ probe: name, owner: OWNERS[name], detail: `probe crashed: ${String(err.message ?? err).split("\n")[0]}` });
        console.log(`  ✗ ${name}: crashed: ${err.message ?? err}`);
      }
    }
  } finally {
    server.close();
  }
  for (const f of findings) console.log(`    [${f.owner}] ${f.probe}: ${f.detail}`);
  const owners = [...new Set(findings.map((f) => f.owner))];
  return {
    ok: findings.length === 0,
    checked,
    findings,
    summary: `security: ${checked} checks, ${findings.length} findings${owners.length ? ` (owners: ${owners.join(", ")})` : ""}`,
  };
}
