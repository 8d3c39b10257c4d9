/** A delegation or workflow tool call the model got wrong: its result says why (is_error), the turn goes on. */
export class ToolError extends Error {}
