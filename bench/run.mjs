#!/usr/bin/env node
// `npm run bench`: every benchmark against one local stack (wrangler dev + fake model), results in bench/results/.
//   --only floor,turn,fanout,load,tools,scale   (floor: project / floor ratios, bench/versus-floor.mjs)
//   --list-rows 1000,100000: the list sizes of the floor comparison   --samples 200 --rounds 30 --concurrency 200 --turns 5
//   --sessions 10000 --events 10000 --seed sql|api --tool-samples 30
//   --tag name: write bench/results/<bench>-<name>.json (a scaled-up run beside the default one)
//   --direct: talk to the Worker's own socket in the runtime, past wrangler dev's proxy
import { writeFileSync } from "node:fs";
import path from "node:path";
import { num, parseArgs, selected } from "./lib/args.mjs";
import { connectionRetries } from "./lib/fixtures.mjs";
import { environment, writeResult } from "./lib/report.mjs";
import { root, startStack } from "../test/helpers/local-stack.mjs";
import { fanout } from "./fanout.mjs";
import { load } from "./load.mjs";
import { scale } from "./scale.mjs";
import { toolRoundTrip } from "./tool-roundtrip.mjs";
import { turnOverhead } from "./turn-overhead.mjs";
import { startFloor } from "./lib/floor-stack.mjs";
import { versusFloor } from "./versus-floor.mjs";
import { handsConcurrency } from "./hands-concurrency.mjs";
import { DEFAULT_MAX_LOOPS, DEFAULT_MIN_LOOPS } from "../scripts/local-workers.mjs";
import { loadVersusFloor } from "./load-versus-floor.mjs";

const args = parseArgs();
const parts = selected(args, ["hands", "floorload", "floor", "turn", "fanout", "load", "tools", "scale"]);
const listRows = String(args["list-rows"] ?? "1000,10000").split(",").map(Number);
const benches = {
  // Project / floor in one interleaved run (issue #16's ratios), then the same load on both.
  // (The load first: the lists seed D1 from outside the server, which wrangler dev has not always survived.)
  floorload: (stack, floor) =>
    loadVersusFloor(stack, floor, {
      concurrency: num(args, "concurrency", 200),
      turns: num(args, "turns", 5),
      turnTimeoutS: num(args, "turn-timeout", 120),
    }),
  floor: (stack, floor) =>
    versusFloor(stack, floor, {
      samples: num(args, "samples", 300),
      rounds: num(args, "rounds", 50),
      cpuBlocks: num(args, "cpu-blocks", 6),
      listRows,
      maxEvents: num(args, "list-events", 20_000),
    }),
  turn: (stack) => turnOverhead(stack, { samples: num(args, "samples", 200), warmup: 20 }),
  fanout: (stack) => fanout(stack, { rounds: num(args, "rounds", 30) }),
  load: (stack) =>
    load(stack, { concurrency: num(args, "concurrency", 200), turns: num(args, "turns", 5), turnTimeoutS: num(args, "turn-timeout", 120) }),
  hands: (stack) => handsConcurrency(stack, { sessions: num(args, "hands-sessions", 10), min: num(args, "loops", DEFAULT_MIN_LOOPS), max: num(args, "max-loops", DEFAULT_MAX_LOOPS) }),
  tools: (stack) => toolRoundTrip(stack, { samples: num(args, "tool-samples", 30) }),
  // Last: it leaves N sessions behind, which the others should not run on.
  scale: (stack) =>
    scale(stack, { sessions: num(args, "sessions", 10_000), events: num(args, "events", 10_000), seed: args.seed === "api" ? "api" : "sql" }),
};
const names = { floorload: "load-versus-floor", floor: "versus-floor", hands: "hands-concurrency", turn: "turn-overhead", fanout: "fanout", load: "load", tools: "tool-roundtrip", scale: "scale" };

const started = Date.now();
const env = environment();
console.log(`npm run bench — ${parts.join(", ")} — ${env.cpus} CPUs (${env.cpu_model}), load average ${env.load_average_1m}, node ${env.node}`);
const startedStack = await startStack({ log: (m) => console.log(`› ${m}`) });
// `--direct`: every request goes to the runtime itself; wrangler dev's proxy (a single Durable Object relaying
// each request to a second workerd process) is left out, so its cost and its faults are measured apart.
const runtimeURL = args.direct ? await startedStack.runtimeURL() : undefined;
if (args.direct && !runtimeURL) {
  await startedStack.stop();
  throw new Error("--direct: the runtime's own socket was not found (Linux /proc only)");
}
if (runtimeURL) console.log(`› --direct: requests go to the runtime at ${runtimeURL}, not through wrangler dev's proxy`);
const stack = runtimeURL ? { ...startedStack, baseURL: runtimeURL, direct: true } : startedStack;
// The floor runs beside the project (its own wrangler dev, the same fake model) only when it is measured.
const floor = parts.some((p) => p.startsWith("floor")) ? await startFloor({ fakeModelURL: stack.fakeModelURL, log: (m) => console.log(`› ${m}`) }) : undefined;
const tables = [];
let failed = false;
try {
  for (const part of parts) {
    try {
      const result = await benches[part](stack, floor);
      writeResult(args.tag ? `${names[part]}-${args.tag}` : names[part], { args, via: runtimeURL ? "runtime" : "wrangler dev proxy", ...result });
      tables.push(result.table ?? `${names[part]}: ${result.skipped}`);
    } catch (err) {
      failed = true;
      console.error(`\n${names[part]} failed: ${err.stack ?? err}`);
      // The stacks' last words (a crashed runtime explains a "fetch failed" here).
      console.error(`wrangler dev (project), last lines:\n${startedStack.output().split("\n").slice(-15).join("\n")}`);
      if (floor) console.error(`wrangler dev (floor), last lines:\n${floor.output().split("\n").slice(-15).join("\n")}`);
      tables.push(`${names[part]}: FAILED (${String(err.message ?? err).split("\n")[0]})`);
    }
  }
} finally {
  await floor?.stop();
  await stack.stop();
}
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const latest = [
  `Measured ${env.date} on ${env.cpus} CPUs (${env.cpu_model}), load average ${env.load_average_1m} at the end, node ${env.node}, commit ${env.commit}; ${minutes} min.`,
  `Connection-level resends (local proxy keep-alive races, not API errors): ${connectionRetries.count}.`,
  ...tables,
].join("\n\n");
if (!args.only && !args.tag) writeFileSync(path.join(root, "bench", "results", "latest.md"), `${latest}\n`);
console.log(`\nbench done in ${minutes} min${args.only ? "" : " → bench/results/latest.md"}`);
process.exit(failed ? 1 : 0);
