/**
 * A tool's own refusal, shown to the model as an `is_error` result (the SDK toolset's `ToolError`). Anything
 * else a tool throws is reported the same way, as `Error: <message>`.
 */
export class ToolError extends Error {}

/** The `user.tool_result` event a tool use is answered with, in the shape the SDK's SessionToolRunner posts. */
export interface ToolResultEvent {
  type: "user.tool_result";
  tool_use_id: string;
  is_error: boolean;
  content: Array<{ type: "text"; text: string }>;
}

export function toolResult(toolUseId: string, text: string, isError: boolean): ToolResultEvent {
  // The API rejects empty text blocks; the SDK sends this placeholder instead.
  return { type: "user.tool_result", tool_use_id: toolUseId, is_error: isError, content: [{ type: "text", text: text || "(no output)" }] };
}

/** Reads a string field of a tool's input; `undefined` when absent or not a string. */
export function field<T = string>(input: unknown, name: string, type: "string" | "boolean" | "number" | "object" = "string"): T | undefined {
  const value = input && typeof input === "object" ? (input as Record<string, unknown>)[name] : undefined;
  if (type === "object") return Array.isArray(value) ? (value as T) : undefined;
  return typeof value === type ? (value as T) : undefined;
}
