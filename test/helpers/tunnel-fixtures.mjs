// Node-side fixtures for the tunnel e2e test: a CA made with openssl, a private MCP server over HTTPS on loopback,
// and the real connector as a child process.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { freePort, root } from "./local-stack.mjs";

/** @typedef {{ ca: string, cert: string, key: string }} TestCa */

/** A CA and a server certificate for `localhost` / 127.0.0.1 that it signed (PEM). @returns {TestCa} */
export function makeCa(name) {
  const dir = mkdtempSync(path.join(tmpdir(), "ma-tunnel-ca-"));
  const openssl = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", `/CN=${name} CA`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
  openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  writeFileSync(path.join(dir, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
  openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
  const read = (f) => readFileSync(path.join(dir, f), "utf8");
  return { ca: read("ca.pem"), cert: read("server.pem"), key: read("server.key") };
}

/** A private MCP server over HTTPS on loopback with one tool, `whereami`, answering `answer`. */
export async function privateMcpServer(tls, answer) {
  const port = await freePort();
  const server = createServer({ cert: tls.cert, key: tls.key }, async (req, res) => {
    const mcp = new McpServer({ name: "private", version: "1.0.0" });
    mcp.registerTool("whereami", { description: "Where this server runs" }, async () => ({ content: [{ type: "text", text: answer }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await mcp.connect(transport);
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    await transport.handleRequest(req, res, body);
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `https://localhost:${port}`, close: () => server.close() };
}

/** Runs `bin/tunnel-connector.mjs`; `connected` resolves once it says so, `exited` with its exit code. */
export function runConnector(baseURL, token, target) {
  const child = spawn(process.execPath, [path.join(root, "bin/tunnel-connector.mjs"), "--url", baseURL, "--token", token, "--target", target], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  const connected = new Promise((resolve, reject) => {
    child.stderr.on("data", (data) => {
      output += String(data);
      if (output.includes("connected: tunnel")) resolve();
    });
    void exited.then((code) => reject(new Error(`connector exited (${code}): ${output}`)));
  });
  return { child, connected, exited, output: () => output, kill: () => child.kill("SIGKILL") };
}
