// The fake model server (test/fake-model) as its own process, with long keep-alive: Node's default 5 s idle
// timeout races workerd's connection reuse under load (a reused socket closed under a request reads as
// "Network connection lost" in the Worker), which would measure the harness, not the system.
import { startFakeModelServer } from "../fake-model/server.mjs";

const portArg = process.argv.indexOf("--port");
const server = await startFakeModelServer({ port: Number(process.argv[portArg + 1]) });
server.keepAliveTimeout = 10 * 60_000;
server.headersTimeout = 10 * 60_000 + 1000;
console.log(`fake model listening on ${server.address().port}`);
