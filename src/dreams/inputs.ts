import type { Env } from "../env";
import type { Database } from "../db/client";
import { listMemories } from "../db/queries/memory/listing";
import { sessionStub } from "../db/queries/sessions";
import type { SessionEvent } from "../../durable-objects/session/types";

/** What a dream reads, rendered once when it starts so every model step (and a resumed runner) sees the same. */
export interface DreamMaterial {
  memories: { path: string; content: string }[];
  transcripts: { sessionId: string; text: string }[];
}

/** A transcript longer than this keeps its start and its end: the model's context is finite. */
const MAX_TRANSCRIPT_CHARS = 60_000;
const MAX_FIELD_CHARS = 2_000;

export async function storeContents(db: Database, scope: { workspaceId: string; memoryStoreId: string }) {
  const out: { path: string; content: string }[] = [];
  let after: string | undefined;
  do {
    const page = await listMemories(db, scope, { prefix: "/", depth: 0, limit: 500, after, withContent: true });
    for (const item of page.items) if (item.kind === "memory") out.push({ path: item.memory.path, content: item.content ?? "" });
    after = page.nextAfter;
  } while (after);
  return out;
}

/** A session's conversation as plain text: who said what, which tools ran and what they returned. */
export async function sessionTranscript(env: Env, workspaceId: string, sessionId: string): Promise<string> {
  const lines: string[] = [];
  let page: string | undefined;
  do {
    const result = await sessionStub(env, sessionId).listEvents(workspaceId, { limit: 1000, order: "asc", page });
    if (!result.ok) throw new Error(result.error.message);
    for (const event of result.value.data) {
      const line = renderEvent(event);
      if (line) lines.push(line);
    }
    page = result.value.next_page ?? undefined;
  } while (page);
  return clip(lines.join("\n"), MAX_TRANSCRIPT_CHARS);
}

function renderEvent(event: SessionEvent): string | undefined {
  switch (event.type) {
    case "user.message":
      return `USER: ${textOf(event.content)}`;
    case "agent.message":
      return `AGENT: ${textOf(event.content)}`;
    case "agent.tool_use":
    case "agent.mcp_tool_use":
    case "agent.custom_tool_use":
      return `TOOL CALL ${event.name}: ${clip(JSON.stringify(event.input), MAX_FIELD_CHARS)}`;
    case "agent.tool_result":
    case "user.tool_result":
    case "agent.mcp_tool_result":
    case "user.custom_tool_result":
      return `TOOL RESULT${"is_error" in event && event.is_error ? " (error)" : ""}: ${clip(textOf(event.content ?? []), MAX_FIELD_CHARS)}`;
    case "session.error":
      return `SESSION ERROR: ${event.error.message}`;
    default:
      return undefined;
  }
}

const textOf = (content: readonly unknown[]) =>
  content
    .map((b) => (b && typeof b === "object" && "text" in b && typeof b.text === "string" ? b.text : `[${(b as { type?: string })?.type ?? "block"}]`))
    .join(" ");

const clip = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max / 2)}\n[… ${text.length - max} characters left out …]\n${text.slice(-max / 2)}`;
