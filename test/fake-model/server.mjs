#!/usr/bin/env node
// The fake model as a standalone HTTP server, for `npm start` demo mode and benchmarks:
//   node test/fake-model/server.mjs --port 8790
// then point the Worker at it with ANTHROPIC_BASE_URL=http://127.0.0.1:8790.
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { handleFakeModelRequest } from "./model.mjs";

/** Start the server; resolves once it listens. Exported so scripts can embed it. */
export function startFakeModelServer({ port = 8790, host = "127.0.0.1" } = {}) {
  const server = createServer(async (req, res) => {
    const controller = new AbortController();
    res.on("close", () => controller.abort());
    try {
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : Readable.toWeb(req);
      const request = new Request(`http://${req.headers.host ?? host}${req.url}`, {
        method: req.method,
        headers: /** @type {Record<string, string>} */ (req.headers),
        body,
        duplex: "half",
        signal: controller.signal,
      });
      const response = await handleFakeModelRequest(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (!response.body) return res.end();
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        res.write(value);
      }
      res.end();
    } catch (err) {
      // A scripted cut or a client that went away: drop the connection like a real network fault.
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.destroy(err instanceof Error ? err : undefined);
    }
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const portArg = process.argv.indexOf("--port");
  const port = portArg !== -1 ? Number(process.argv[portArg + 1]) : Number(process.env.PORT ?? 8790);
  await startFakeModelServer({ port });
  console.log(`fake model listening on http://127.0.0.1:${port} (POST /v1/messages)`);
}
