// CPU time of whole process groups from /proc (Linux): wrangler dev's Node process and its two workerd children
// lead one group each, the fake model its own. Clock ticks (100 Hz), so measure over many turns.
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10;

/** utime + stime (ms) summed over every live process whose process group is one of `groups`. */
export function groupCpuMs(groups) {
  const wanted = new Set(groups);
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (!wanted.has(Number(fields[2]))) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks * TICK_MS;
}

/** CPU (ms) of the groups plus this process while `fn` runs. */
export async function cpuDuring(groups, fn) {
  const before = groupCpuMs(groups);
  const self = process.cpuUsage();
  await fn();
  const own = process.cpuUsage(self);
  return { stack: groupCpuMs(groups) - before, client: (own.user + own.system) / 1000 };
}
