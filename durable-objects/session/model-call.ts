import Anthropic from "@anthropic-ai/sdk";
import { IncompleteStreamError } from "./model-errors";

/** A content block of the answer; `eventId` is set when a preview already announced the event's id. */
export type ModelBlock =
  | { type: "text"; text: string; eventId?: string }
  | { type: "thinking"; thinking: string; signature: string; eventId?: string }
  | { type: "redacted_thinking"; data: string; eventId?: string }
  | { type: "tool_use"; name: string; input: Record<string, unknown>; eventId?: string }
  /** A tool the model's upstream runs itself (web_search), and its result block, kept verbatim for replay. */
  | { type: "server_tool_use"; id: string; name: string; input: Record<string, unknown>; eventId?: string }
  | { type: "server_tool_result"; block: Record<string, unknown>; eventId?: string };

export interface ModelUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  cache_creation_1h: number;
  cache_creation_5m: number;
}

export interface ModelResult {
  blocks: ModelBlock[];
  stopReason: string | null;
  usage: ModelUsage;
}

/** What the call reports as it streams, so subscribers can watch text appear before the event commits. */
export interface StreamObserver {
  /**
   * A block that becomes a previewable event started. Returns the id the event will carry (announced in
   * an `event_start`) when some connection previews that type; otherwise undefined, and the id is assigned
   * when the event is appended.
   */
  previewStarted(type: "agent.message" | "agent.thinking"): string | undefined;
  textDelta(eventId: string, text: string): void;
}

export const zeroUsage = (): ModelUsage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_creation_1h: 0,
  cache_creation_5m: 0,
});

/**
 * One streamed Messages API call. Accumulates the content blocks itself from the raw events (partial tool
 * input JSON included), tracks usage as it goes (`usage` stays readable after an abort, for an interrupt to
 * account what was spent), and insists on `message_stop`: a stream that just ends is a dropped connection.
 */
export class ModelCall {
  readonly usage = zeroUsage();

  constructor(
    private readonly client: Anthropic,
    private readonly params: Anthropic.MessageCreateParamsNonStreaming,
    private readonly signal: AbortSignal,
    private readonly observer: StreamObserver,
    /** Beta features the request needs (its tools': tools.ts), sent as `anthropic-beta`. */
    private readonly betas: readonly string[] = [],
  ) {}

  async run(): Promise<ModelResult> {
    const stream = await this.client.messages.create(
      { ...this.params, stream: true },
      { signal: this.signal, ...(this.betas.length ? { headers: { "anthropic-beta": this.betas.join(",") } } : {}) },
    );
    const partial: (ModelBlock & { json?: string })[] = [];
    let stopReason: string | null = null;
    let stopped = false;
    for await (const event of stream) {
      switch (event.type) {
        case "message_start":
          this.addUsage(event.message.usage);
          break;
        case "content_block_start": {
          const block = event.content_block;
          if (block.type === "text") {
            const eventId = this.observer.previewStarted("agent.message");
            partial[event.index] = { type: "text", text: block.text ?? "", eventId };
            if (eventId && block.text) this.observer.textDelta(eventId, block.text);
          } else if (block.type === "thinking") {
            const eventId = this.observer.previewStarted("agent.thinking");
            partial[event.index] = { type: "thinking", thinking: block.thinking ?? "", signature: block.signature ?? "", eventId };
          } else if (block.type === "redacted_thinking") {
            const eventId = this.observer.previewStarted("agent.thinking");
            partial[event.index] = { type: "redacted_thinking", data: block.data, eventId };
          } else if (block.type === "tool_use") {
            partial[event.index] = { type: "tool_use", name: block.name, input: {}, json: "" };
          } else if (block.type === "server_tool_use") {
            partial[event.index] = { type: "server_tool_use", id: block.id, name: block.name, input: (block.input ?? {}) as Record<string, unknown>, json: "" };
          } else if (block.type.endsWith("_tool_result")) {
            partial[event.index] = { type: "server_tool_result", block: block as unknown as Record<string, unknown> };
          }
          break;
        }
        case "content_block_delta": {
          const block = partial[event.index];
          const delta = event.delta;
          if (!block) break;
          if (delta.type === "text_delta" && block.type === "text") {
            block.text += delta.text;
            if (block.eventId) this.observer.textDelta(block.eventId, delta.text);
          } else if (delta.type === "thinking_delta" && block.type === "thinking") {
            block.thinking += delta.thinking;
          } else if (delta.type === "signature_delta" && block.type === "thinking") {
            block.signature += delta.signature;
          } else if (delta.type === "input_json_delta" && (block.type === "tool_use" || block.type === "server_tool_use")) {
            block.json += delta.partial_json;
          }
          break;
        }
        case "content_block_stop": {
          const block = partial[event.index];
          if (block?.type === "tool_use" || block?.type === "server_tool_use") {
            if (block.type === "tool_use" || block.json) block.input = parseInput(block.json ?? "");
            delete block.json;
          }
          break;
        }
        case "message_delta":
          stopReason = event.delta.stop_reason ?? stopReason;
          this.setFinalUsage(event.usage);
          break;
        case "message_stop":
          stopped = true;
          break;
      }
    }
    if (!stopped) throw new IncompleteStreamError();
    return { blocks: partial.filter(Boolean), stopReason, usage: { ...this.usage } };
  }

  private addUsage(usage: Anthropic.Usage) {
    this.usage.input_tokens = usage.input_tokens ?? 0;
    this.usage.output_tokens = usage.output_tokens ?? 0;
    this.usage.cache_read_input_tokens = usage.cache_read_input_tokens ?? 0;
    this.usage.cache_creation_input_tokens = usage.cache_creation_input_tokens ?? 0;
    this.usage.cache_creation_1h = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
    this.usage.cache_creation_5m = usage.cache_creation?.ephemeral_5m_input_tokens ?? usage.cache_creation_input_tokens ?? 0;
  }

  /** `message_delta` usage is cumulative for the message: it replaces, never adds. */
  private setFinalUsage(usage: Anthropic.MessageDeltaUsage) {
    this.usage.output_tokens = usage.output_tokens ?? this.usage.output_tokens;
    if (usage.input_tokens != null) this.usage.input_tokens = usage.input_tokens;
    if (usage.cache_read_input_tokens != null) this.usage.cache_read_input_tokens = usage.cache_read_input_tokens;
    if (usage.cache_creation_input_tokens != null) {
      this.usage.cache_creation_input_tokens = usage.cache_creation_input_tokens;
      if (!this.usage.cache_creation_1h) this.usage.cache_creation_5m = usage.cache_creation_input_tokens;
    }
  }
}

function parseInput(json: string): Record<string, unknown> {
  if (!json.trim()) return {};
  try {
    const value = JSON.parse(json);
    return value && typeof value === "object" && !Array.isArray(value) ? value : { value };
  } catch {
    return { _raw: json };
  }
}
