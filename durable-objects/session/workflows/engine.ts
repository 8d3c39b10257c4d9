import type { QuickJSSyncVariant } from "@jitl/quickjs-ffi-types";
import moduleLoader from "@jitl/quickjs-wasmfile-release-sync/emscripten-module";
import { QuickJSFFI } from "@jitl/quickjs-wasmfile-release-sync/ffi";
// The engine's WebAssembly, compiled at upload (Workers forbid compiling code at run time: no eval, no new Function).
// A path, not the package's "./wasm" export: wrangler and the test pool pick their wasm loader by the ".wasm" ending.
import quickjsWasm from "../../../node_modules/@jitl/quickjs-wasmfile-release-sync/dist/emscripten-module.wasm";
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";

/**
 * The sandboxed JavaScript engine workflow programs run in: QuickJS compiled to WebAssembly, one instance per
 * isolate. Instantiating it is asynchronous, but a program runs inside a state transition, which is synchronous;
 * so the session's runner loads it (`loadProgramEngine`) before any transition of a session that may run
 * workflows, and the transition takes it as loaded (`programEngine`).
 */

/** The release build's parts imported up front: the package's own variant imports them dynamically, per load. */
const releaseSync: QuickJSSyncVariant = { type: "sync", importFFI: async () => QuickJSFFI, importModuleLoader: async () => moduleLoader };

/**
 * The engine's WebAssembly memory, at most: every replay's runtime allocates from it (one at a time), each held to
 * its own heap limit. Without a maximum, some allocations past a runtime's limit grow the memory towards 2 GiB
 * before failing, which would take the isolate (128 MB) down with it.
 */
const ENGINE_MEMORY_PAGES = { initial: 256, maximum: 768 }; // 16 MiB, 48 MiB (64 KiB pages)

let engine: QuickJSWASMModule | undefined;

/**
 * Loads the engine unless loaded. Each caller that finds it missing loads its own (a few milliseconds, until the
 * first is done): a promise from another request's context cannot be awaited in a Worker.
 */
export async function loadProgramEngine(): Promise<QuickJSWASMModule> {
  if (engine) return engine;
  const loaded = await newQuickJSWASMModuleFromVariant(newVariant(releaseSync, { wasmModule: quickjsWasm, wasmMemory: new WebAssembly.Memory(ENGINE_MEMORY_PAGES) }));
  engine ??= loaded;
  return engine;
}

/** The loaded engine; the caller's runner awaited `loadProgramEngine` first. */
export function programEngine(): QuickJSWASMModule {
  if (!engine) throw new Error("the workflow program engine is not loaded (loadProgramEngine was not awaited)");
  return engine;
}

/** The engine failed in a way that may have left its memory broken (a host stack overflow, an abort): the next load starts afresh. */
export function discardProgramEngine(): void {
  engine = undefined;
}
