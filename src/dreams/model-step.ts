import Anthropic from "@anthropic-ai/sdk";
import type { Env } from "../env";
import type { DreamMaterial } from "./inputs";

/** The two tools a dream edits its output memory store with; nothing else reaches the store. */
export const DREAM_TOOLS: Anthropic.Tool[] = [
  {
    name: "write_memory",
    description: "Create or replace the memory at `path` (absolute, e.g. /projects/acme.md) with `content`.",
    input_schema: {
      type: "object",
      properties: { path: { type: "string" }, content: { type: "string" } },
      required: ["path", "content"],
    },
  },
  {
    name: "delete_memory",
    description: "Delete the memory at `path`.",
    input_schema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  },
];

const SYSTEM = `You reorganize an agent's memory store. You are given the store's current memories and the transcripts of
sessions the agent ran. Fold what the sessions teach into the store: merge duplicates, correct facts the sessions
contradict, drop what is stale, and keep each memory focused and findable by its path. Edit the store only with
write_memory and delete_memory; when the store is as it should be, answer with a short summary of what you changed.`;

/** The opening user message: the material first, the instructions last (the block a model attends to most). */
export function openingMessage(material: DreamMaterial, instructions: string | null): Anthropic.MessageParam {
  const memories = material.memories.length
    ? material.memories.map((m) => `<memory path="${m.path}">\n${m.content}\n</memory>`).join("\n")
    : "(the store is empty)";
  const transcripts = material.transcripts.map((t) => `<session id="${t.sessionId}">\n${t.text}\n</session>`).join("\n");
  return {
    role: "user",
    content: [
      { type: "text", text: `<memory_store>\n${memories}\n</memory_store>` },
      { type: "text", text: `<sessions>\n${transcripts}\n</sessions>` },
      { type: "text", text: instructions ?? "Reorganize the memory store now." },
    ],
  };
}

/**
 * One model call of the dream, streamed (a long answer must not hit a non-streaming timeout). No SDK retries:
 * the runner retries a failed step itself, from its alarm, with the brain's backoff.
 */
export async function callModel(env: Env, dreamId: string, model: string, messages: Anthropic.MessageParam[], signal?: AbortSignal) {
  const client = new Anthropic({ baseURL: env.ANTHROPIC_BASE_URL, apiKey: env.ANTHROPIC_API_KEY ?? "", maxRetries: 0 });
  return client.messages
    .stream({ model, max_tokens: 8192, system: SYSTEM, tools: DREAM_TOOLS, messages, metadata: { user_id: dreamId } }, { signal })
    .finalMessage();
}
