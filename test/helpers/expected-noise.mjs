// Lines the test runs print on purpose and that say nothing when the tests pass: each is the runtime reporting
// something a test provokes. They are dropped from the terminal so that what is left is worth reading;
// VERBOSE_TESTS=1 shows everything. workerd writes them to the vitest process's stdio directly (not through
// console.*, which `onConsoleLog` filters), so the filter sits on process.stdout/stderr.
export const EXPECTED_NOISE = [
  // sessions-durability, chaos: tests crash a Durable Object on purpose (`simulated crash`).
  /jsg\.Error: simulated crash/,
  // ...and workerd follows every exception with its unsymbolized addresses (no $LLVM_SYMBOLIZER here).
  /^stack:( \S+@[0-9a-f]+)+\s*$/,
  // Stream tests close WebSockets and SSE bodies from the client side mid-stream.
  /disconnected: WebSocket peer disconnected/,
  /disconnected: pump canceled/,
  /disconnected: read end of pipe was aborted/,
  // Upload tests send multipart bodies that the validation paths read as text to refuse them.
  /Called \.text\(\) on an HTTP body which does not appear to be text\. The body's Content-Type is "multipart\/form-data/,
  // wrangler reading the developer's .dev.vars: every binding the tests use is set in vitest.config.mts instead.
  /^Using secrets defined in \.dev\.vars$/,
  // Dependencies published without their sources (MCP SDK, standardwebhooks): vite cannot map their stacks.
  /^Sourcemap for ".*" points to missing source files$/,
];

/** Drops the expected lines from this process's stdout and stderr (once; idempotent). */
export function quietExpectedNoise() {
  if (process.env.VERBOSE_TESTS === "1" || globalThis.__quietExpectedNoise) return;
  globalThis.__quietExpectedNoise = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = (chunk, ...rest) => {
      if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) return write(chunk, ...rest);
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      const kept = text
        .split("\n")
        .filter((line) => !EXPECTED_NOISE.some((pattern) => pattern.test(line.replace(/\x1b\[[0-9;]*m/g, ""))))
        .join("\n");
      if (kept === text) return write(chunk, ...rest);
      if (!kept.trim()) {
        const callback = rest.find((arg) => typeof arg === "function");
        callback?.();
        return true;
      }
      return write(kept, ...rest);
    };
  }
}
