import type { HandsContext, ToolUse } from "./index";

/**
 * Cloud hands: the tool uses go to the session's sandbox Durable Object, which records them and returns; it
 * runs them in its own alarm and posts each result to the session, so the brain never waits on a tool.
 */
export async function dispatchToSandbox(ctx: HandsContext, toolUses: ToolUse[]): Promise<void> {
  const sandboxes = ctx.env.SANDBOXES;
  await sandboxes.get(sandboxes.idFromName(ctx.sessionId)).runToolUses({
    workspaceId: ctx.workspaceId,
    sessionId: ctx.sessionId,
    environmentId: ctx.environmentId,
    toolUses: toolUses.map(({ id, name, input }) => ({ id, name, input })),
  });
}
