// 5. Load on the project and on the floor: C sessions × T turns each, the same client code, one after the other
// (floor first, so the project never benefits from a warmer machine), reported as turns/s per core side by side.
import os from "node:os";
import { load } from "./load.mjs";
import { sides } from "./versus-floor.mjs";
import { round, table } from "./lib/report.mjs";

export async function loadVersusFloor(stack, floor, options) {
  const s = await sides(stack, floor);
  const cores = os.cpus().length;
  const floorRun = await load(stack, { ...options, t: { client: s.floor.client, newSession: s.floor.newSession } });
  const projectRun = await load(stack, { ...options, t: s.project.t });
  const perCore = (run) => round(run.throughput_turns_per_s / cores);
  const row = (name, run) => ({
    stack: name,
    sessions: run.sessions,
    "turns completed": `${run.turns_completed} / ${run.sessions * run.turns_per_session}`,
    "turns/s": run.throughput_turns_per_s,
    "turns/s per core": perCore(run),
    "turn p50 ms": run.turn_latency_ms.p50,
    "turn p99 ms": run.turn_latency_ms.p99,
    errors: run.errors,
    "dev-proxy 503s": run.dev_proxy_503,
  });
  const text = table(`Load, project and floor (${options.concurrency} sessions × ${options.turns} turns, ${cores} cores)`, [
    row("project", projectRun),
    row("floor", floorRun),
  ]);
  const ratio = round(perCore(projectRun) / perCore(floorRun));
  console.log(`  project / floor throughput: ${ratio}`);
  const strip = ({ table: _t, ...run }) => run;
  return { cores, project: strip(projectRun), floor: strip(floorRun), throughput_ratio: ratio, table: `${text}\n\nproject / floor throughput: ${ratio}` };
}
