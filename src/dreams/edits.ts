import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { memories } from "../db/schema";
import { createMemory, deleteMemory, updateMemory } from "../db/queries/memory/writes";
import { ApiError } from "../lib/errors";
import { MAX_CONTENT_BYTES, pathProblem, utf8Length, type Actor } from "../schemas/memories";

type Scope = { workspaceId: string; memoryStoreId: string };

async function memoryAt(db: Database, scope: Scope, path: string) {
  const [row] = await db
    .select({ id: memories.id })
    .from(memories)
    .where(and(eq(memories.memoryStoreId, scope.memoryStoreId), eq(memories.workspaceId, scope.workspaceId), eq(memories.path, path)))
    .limit(1);
  return row;
}

/** Creates or replaces the memory at `path`. Idempotent, so a runner resumed mid-step can apply it again. */
export async function writeMemoryAt(db: Database, scope: Scope, path: string, content: string, actor: Actor) {
  const existing = await memoryAt(db, scope, path);
  if (existing) await updateMemory(db, scope, existing.id, { content }, actor);
  else await createMemory(db, scope, { path, content, actor });
}

export async function deleteMemoryAt(db: Database, scope: Scope, path: string, actor: Actor) {
  const existing = await memoryAt(db, scope, path);
  if (existing) await deleteMemory(db, scope, existing.id, undefined, actor);
}

/**
 * One tool call of the model against the output store. The answer is the tool result the model reads next:
 * a bad path or a refused write is its mistake to correct, not the dream's failure.
 */
export async function applyEdit(db: Database, scope: Scope, name: string, input: unknown, actor: Actor): Promise<{ text: string; isError: boolean }> {
  const args = (input ?? {}) as { path?: unknown; content?: unknown };
  if (typeof args.path !== "string") return { text: "path: must be a string", isError: true };
  const problem = pathProblem(args.path);
  if (problem) return { text: `path: ${problem}`, isError: true };
  try {
    if (name === "write_memory") {
      if (typeof args.content !== "string") return { text: "content: must be a string", isError: true };
      if (utf8Length(args.content) > MAX_CONTENT_BYTES) return { text: `content: must be at most ${MAX_CONTENT_BYTES} bytes`, isError: true };
      await writeMemoryAt(db, scope, args.path, args.content, actor);
      return { text: `wrote ${args.path}`, isError: false };
    }
    if (name === "delete_memory") {
      await deleteMemoryAt(db, scope, args.path, actor);
      return { text: `deleted ${args.path}`, isError: false };
    }
    return { text: `unknown tool ${name}`, isError: true };
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) return { text: err.message, isError: true };
    throw err;
  }
}
