/** WebAssembly files, which wrangler and the test pool import as compiled modules (the QuickJS engine's). */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
