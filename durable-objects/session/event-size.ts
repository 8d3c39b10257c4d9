/**
 * The largest event a session stores: 8 MiB of JSON. Events above one SQLite row's 2 MB are stored in parts
 * (event-overflow.ts); this cap keeps one event, read back, parsed and sent to the model with the rest of the
 * conversation, within a 128 MB isolate. It covers a web_fetch PDF (5 MB, 6.7 MB as base64). A client's
 * event over it is refused with 413 `request_too_large`; a tool's result over it becomes an error result.
 */
export const MAX_EVENT_BYTES = 8 * 1024 * 1024;

const encoder = new TextEncoder();

/** UTF-8 size of a value's JSON. */
export function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value) ?? "";
  // One byte per char is a lower bound; only a string that may be close to the cap is measured exactly.
  return json.length * 3 <= MAX_EVENT_BYTES ? json.length : encoder.encode(json).byteLength;
}

export const tooLarge = (what: string, bytes: number) =>
  `${what} is ${bytes} bytes of JSON; an event may be at most ${MAX_EVENT_BYTES} bytes (8 MiB)`;

/** A tool result that cannot be stored as it is: what the model and the log get instead. */
export const oversizeResult = (bytes: number) => ({
  content: [{ type: "text", text: `The tool's result could not be kept: ${tooLarge("it", bytes)}. Ask for less (a range, a summary, a smaller file).` }],
  isError: true,
});
