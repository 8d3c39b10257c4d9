// `send` for the shared chaos cases over real HTTP (node:http, so any header or body can be sent as is:
// no content-type added, upgrade headers allowed). Streams are not read: their status is the answer.
import http from "node:http";

const agent = new http.Agent({ keepAlive: false });

export function httpSender(baseURL, { timeoutMs = 30_000 } = {}) {
  const { hostname, port } = new URL(baseURL);
  return (req) =>
    new Promise((resolve) => {
      const body = req.body === undefined ? undefined : typeof req.body === "string" ? Buffer.from(req.body) : Buffer.from(req.body);
      const headers = { ...req.headers };
      if (body) headers["content-length"] = String(body.length);
      const request = http.request({ agent, hostname, port, method: req.method, path: req.path, headers, timeout: timeoutMs });
      const done = (result) => {
        resolve(result);
        request.destroy();
      };
      request.on("timeout", () => done({ status: 0, contentType: "", text: `timeout after ${timeoutMs} ms` }));
      request.on("error", (err) => done({ status: 0, contentType: "", text: `connection error: ${err.message}` }));
      request.on("upgrade", (res, socket) => {
        socket.destroy();
        done({ status: res.statusCode, contentType: "", text: "" });
      });
      request.on("response", (res) => {
        const contentType = res.headers["content-type"] ?? "";
        if (contentType.startsWith("text/event-stream")) {
          res.destroy();
          return done({ status: res.statusCode, contentType, text: "" });
        }
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => done({ status: res.statusCode, contentType, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", (err) => done({ status: res.statusCode, contentType, text: `body error: ${err.message}` }));
      });
      request.end(body);
    });
}
