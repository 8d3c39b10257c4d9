import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";

/**
 * What a workflow program sees: `agent`, `phase`, and ordinary JavaScript (no I/O, no timers, no modules). The
 * functions are thin JS over three host calls, so their promise semantics are QuickJS's own: a journaled agent
 * call resolves at once, a new one never resolves in this replay (its thread runs; the next replay resolves it).
 * Time and randomness are fixed per run, so every replay of a run takes the same path.
 */

/** The host's side of the three calls, for one replay. */
export interface ProgramHost {
  /** An agent call (its argument as JSON): the journaled report, or undefined while it is pending. Throws a message for bad input. */
  agent(specJson: string): string | undefined;
  /** A phase is entered: returns its index in this replay. */
  phaseStart(name: string): number;
  phaseEnd(index: number): void;
}

/** Runs before the program: binds the API over the host calls, then takes the host object out of reach. */
const PRELUDE = `"use strict";
(() => {
  const host = globalThis.__workflow_host;
  delete globalThis.__workflow_host;
  const pending = () => new Promise(() => {});
  globalThis.agent = (spec) => {
    const report = host.agent(JSON.stringify(spec === undefined ? null : spec));
    return report === undefined ? pending() : Promise.resolve(report);
  };
  globalThis.phase = async (name, fn) => {
    if (typeof fn !== "function") throw new TypeError("phase(name, fn): fn must be a function");
    const index = host.phaseStart(String(name));
    const value = await fn();
    host.phaseEnd(index);
    return value;
  };
  let seed = __SEED__ >>> 0;
  Math.random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const RealDate = Date;
  const now = __NOW__;
  globalThis.Date = new Proxy(RealDate, { construct: (target, args) => (args.length ? new target(...args) : new target(now)), apply: () => new RealDate(now).toString() });
  RealDate.now = () => now;
  const quiet = () => {};
  globalThis.console = { log: quiet, info: quiet, warn: quiet, error: quiet, debug: quiet };
})();
`;

/** Installs the API in a fresh context: `seed` and `now` fix Math.random and Date for the run. */
export function installProgramApi(vm: QuickJSContext, host: ProgramHost, seed: number, now: number): void {
  const hostObject = vm.newObject();
  const bind = (name: string, fn: (...args: QuickJSHandle[]) => QuickJSHandle | { error: QuickJSHandle } | undefined) => {
    const handle = vm.newFunction(name, fn);
    vm.setProp(hostObject, name, handle);
    handle.dispose();
  };
  bind("agent", (spec) => {
    try {
      const report = host.agent(vm.getString(spec));
      return report === undefined ? vm.undefined : vm.newString(report);
    } catch (err) {
      return { error: vm.newError({ name: "TypeError", message: err instanceof Error ? err.message : String(err) }) };
    }
  });
  bind("phaseStart", (name) => vm.newNumber(host.phaseStart(vm.getString(name))));
  bind("phaseEnd", (index) => {
    host.phaseEnd(vm.getNumber(index));
    return vm.undefined;
  });
  vm.setProp(vm.global, "__workflow_host", hostObject);
  hostObject.dispose();
  const prelude = PRELUDE.replace("__SEED__", String(seed >>> 0)).replace("__NOW__", String(now));
  vm.unwrapResult(vm.evalCode(prelude, "workflow-prelude.js")).dispose();
}
