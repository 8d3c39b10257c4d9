// The outside world the hands conformance suite needs, on this machine: an echo host (HTTP and HTTPS, with a test
// CA the stack's workerd is told to trust) that records every request and reflects it back, and a stand-in for
// GitHub's archive API (`GITHUB_API_URL`) that serves repositories registered by the tests. Started once by the e2e
// global setup; tests read what each host received over `/_seen`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";
import { zip } from "../../src/lib/zip.ts";

// Plain JS: it needs Node's servers, which the Workers typings do not have. A recorded request (`GET /_seen`) is
// `{ scheme, host, method, path, headers, body }`, `host` being the Host header as it arrived.

/** Every IPv4 address of this machine: the names the echo host answers to, and its certificate's SANs. */
export const localAddresses = () => [
  "127.0.0.1",
  "127.0.0.2",
  ...Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && i.family === "IPv4" && !i.internal)
    .map((i) => i.address),
];

const readBody = async (req) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
};

const listen = (server, host = "0.0.0.0", port = 0) =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server.address().port));
  });

/**
 * A host that reflects what it was sent, the way a misbehaving or debugging API would: the Authorization header
 * raw, base64-encoded and URL-encoded, in its body and in a response header. An egress that substitutes a secret
 * must not let any of these forms back into the sandbox.
 */
function echo(scheme, seen) {
  return async (req, res) => {
    const body = await readBody(req);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    seen.push({ scheme, host: headers.host ?? "", method: req.method ?? "GET", path: req.url ?? "/", headers, body });
    const auth = headers.authorization ?? "";
    const token = auth.replace(/^Bearer\s+/i, "");
    res.setHeader("content-type", "text/plain");
    res.setHeader("x-echo-authorization", auth);
    res.end(
      [
        `echo ${scheme} ${req.method} ${req.url}`,
        `authorization=${auth}`,
        `body=${body}`,
        `b64=${Buffer.from(token).toString("base64")}`,
        `urlenc=${encodeURIComponent(token)}`,
      ].join("\n"),
    );
  };
}

/** A throwaway CA and a server certificate for every local address; undefined without openssl. */
function makeCertificates(dir) {
  const run = (args) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    run(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=managed-agents e2e test CA",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    run(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
    const sans = ["DNS:localhost", ...[...new Set(localAddresses())].map((a) => `IP:${a}`)].join(",");
    writeFileSync(path.join(dir, "ext.cnf"), `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`);
    run(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf"]);
  } catch {
    return undefined;
  }
  return { ca: path.join(dir, "ca.crt"), key: path.join(dir, "server.key"), cert: path.join(dir, "server.crt") };
}

/**
 * GitHub's `GET /repos/:owner/:repo/zipball/:ref`: 404 without the repository's token (as for a private one),
 * else a redirect to a download URL on another host (127.0.0.2, so a replayed token would show), which serves the zip with everything under
 * `<owner>-<repo>-<sha>/`, as codeload.github.com does.
 */
function github(repos, seen, port) {
  return async (req, res) => {
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const url = new URL(req.url ?? "/", "http://github.test");
    seen.push({ scheme: "http", host: headers.host ?? "", method: req.method ?? "GET", path: url.pathname, headers, body: "" });
    const api = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/zipball(?:\/(.+))?$/);
    const download = url.pathname.match(/^\/codeload\/([^/]+)\/([^/]+)\/zip\/(.+)$/);
    const match = api ?? download;
    const repo = match ? repos.get(`${match[1]}/${match[2]}`) : undefined;
    if (api && repo && (!repo.token || headers.authorization === `Bearer ${repo.token}`)) {
      res.writeHead(302, { location: `http://127.0.0.2:${port()}/codeload/${api[1]}/${api[2]}/zip/${api[3] ?? "HEAD"}` }).end();
      return;
    }
    if (download && repo) {
      const top = `${download[1]}-${download[2]}-0123abc`;
      const entries = Object.entries(repo.files).map(([p, text]) => ({ path: `${top}/${p}`, bytes: new TextEncoder().encode(text) }));
      res.writeHead(200, { "content-type": "application/zip" }).end(Buffer.from(zip(entries)));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "Not Found" }));
  };
}

/** Routes the test process uses: `GET /_seen` (everything every host received) and `PUT /_repos/:owner/:repo`. */
function control(seen, repos) {
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://control.test");
    const repo = url.pathname.match(/^\/_repos\/([^/]+)\/([^/]+)$/);
    if (req.method === "PUT" && repo) {
      repos.set(`${repo[1]}/${repo[2]}`, JSON.parse(await readBody(req)));
      res.writeHead(204).end();
    } else if (url.pathname === "/_seen") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(seen));
    } else res.writeHead(404).end();
  };
}

/**
 * Starts the hosts. Returns `echoHttpPort`, `echoHttpsPort` and `caFile` (both undefined without `openssl`: no TLS
 * certificate), `githubApiURL` (the stack's `GITHUB_API_URL`), `controlURL` (for the test process), `listenEcho()`
 * and `close()`.
 */
export async function startFakeHosts() {
  const seen = [];
  /** `owner/name` → `{ files: {path: text}, token? }` */
  const repos = new Map();
  const dir = mkdtempSync(path.join(tmpdir(), "ma-fake-hosts-"));
  const certs = makeCertificates(dir);

  const controlServer = createHttpServer(control(seen, repos));
  const controlPort = await listen(controlServer, "127.0.0.1");
  const echoServer = createHttpServer(echo("http", seen));
  const echoHttpPort = await listen(echoServer);
  const tlsServer = certs ? createHttpsServer({ key: readFileSync(certs.key), cert: readFileSync(certs.cert) }, echo("https", seen)) : undefined;
  const echoHttpsPort = tlsServer ? await listen(tlsServer) : undefined;
  let githubPort = 0;
  const githubServer = createHttpServer(github(repos, seen, () => githubPort));
  githubPort = await listen(githubServer);

  const servers = [controlServer, echoServer, githubServer, ...(tlsServer ? [tlsServer] : [])];
  return {
    echoHttpPort,
    echoHttpsPort,
    caFile: certs?.ca,
    githubApiURL: `http://127.0.0.1:${githubPort}`,
    controlURL: `http://127.0.0.1:${controlPort}`,
    /** The HTTP echo host also on `address:port` (rejects when that port is taken there). */
    async listenEcho(address, port) {
      const server = createHttpServer(echo("http", seen));
      await listen(server, address, port);
      servers.push(server);
    },
    async close() {
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
