#!/usr/bin/env node
// `npm run chaos`: crash/restart, model faults, fuzz, tenant isolation, quotas, worker kill and security probes against
// the local stack.
//   --only kill,faults,fuzz,isolation,quotas,worker,security   --kills 20 --sessions 8 --requests 2000 --seed 1 --tag name
//   --worker-kills 1 --lease 300   --probes tools,upload,auto,hands,sizes,outbound,quotas (security, default all)
import { num, parseArgs, selected } from "../lib/args.mjs";
import { environment, writeResult } from "../lib/report.mjs";
import { startStack } from "../../test/helpers/local-stack.mjs";
import { fuzz } from "./fuzz.mjs";
import { isolation } from "./isolation.mjs";
import { quotas } from "./quotas.mjs";
import { killRestart } from "./kill-restart.mjs";
import { modelFaults } from "./model-faults.mjs";
import { DEFAULT_LEASE_S, workerKill } from "./worker-kill.mjs";
import { security } from "./security.mjs";

const args = parseArgs();
const parts = selected(args, ["faults", "fuzz", "isolation", "quotas", "kill", "worker", "security"]);
const seed = num(args, "seed", 1);
const checks = {
  faults: (stack) => modelFaults(stack),
  fuzz: (stack) => fuzz(stack, { count: num(args, "requests", 2000), seed }),
  isolation: (stack) => isolation(stack),
  quotas: (stack) => quotas(stack),
  kill: (stack) => killRestart(stack, { kills: num(args, "kills", 20), sessions: num(args, "sessions", 8), seed }),
  worker: (stack) => workerKill(stack, { kills: num(args, "worker-kills", 1), leaseSeconds: workLease }),
  security: (stack) => security(stack, { only: args.probes ? String(args.probes).split(",") : undefined }),
};

// A dead worker's item waits out the lease: 300 s by default as on the hosted API, or --lease for many kills.
const workLease = num(args, "lease", DEFAULT_LEASE_S);

const started = Date.now();
const env = environment();
console.log(`npm run chaos — ${parts.join(", ")} — ${env.cpus} CPUs, load average ${env.load_average_1m}`);
// Fast retries, so scripted model faults and crash recoveries take seconds, not minutes.
const stack = await startStack({ vars: { SESSION_RETRY_BASE_MS: "50", WORK_LEASE_TTL_SECONDS: String(workLease) }, log: (m) => console.log(`› ${m}`) });
const results = {};
try {
  for (const part of parts) {
    try {
      results[part] = await checks[part](stack);
    } catch (err) {
      console.error(`\n${part} crashed: ${err.stack ?? err}`);
      results[part] = { ok: false, failures: [String(err.message ?? err)], summary: `${part}: crashed (${String(err.message ?? err).split("\n")[0]})` };
    }
  }
} finally {
  await stack.stop();
}
const ok = Object.values(results).every((r) => r.ok);
writeResult(args.tag ? `chaos-${args.tag}` : args.only ? `chaos-${parts.join("-")}` : "chaos", { args, ok, results });
console.log(`\nchaos ${ok ? "passed" : "FAILED"} in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
for (const r of Object.values(results)) console.log(`  ${r.ok ? "✓" : "✗"} ${r.summary}`);
process.exit(ok ? 0 : 1);
