// An HTTP server on the host that answers every request with what it received (method, path, headers, body) and
// remembers it: the "allowed host" a container's requests reach through the Worker's egress. `GET /_seen` lists
// what arrived; the tests read it to see what actually left the egress (a secret, or its placeholder).
import { createServer } from "node:http";
import { networkInterfaces } from "node:os";

/**
 * Listens on port 80 of the first of `addresses` (then of the host's other IPv4 addresses) that is free: under the
 * containers-lab egress stand-in only port 80 of a plain-HTTP destination reaches the Worker's egress intact.
 */
export async function startEchoServer(addresses = []) {
  const candidates = [
    ...addresses,
    ...Object.values(networkInterfaces()).flat().filter((a) => a && a.family === "IPv4" && !a.internal).map((a) => a.address),
  ];
  for (const address of [...new Set(candidates)]) {
    try {
      return await listen(address, 80);
    } catch (err) {
      if (err.code !== "EADDRINUSE" && err.code !== "EACCES") throw err;
    }
  }
  throw new Error(`no free port 80 on ${candidates.join(", ")} for the echo server`);
}

function listen(address, port) {
  const seen = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/_seen") {
        res.setHeader("content-type", "application/json");
        return res.end(JSON.stringify(seen));
      }
      const record = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      seen.push(record);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(record));
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve({ url: `http://${address}`, close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }) }));
  });
}
