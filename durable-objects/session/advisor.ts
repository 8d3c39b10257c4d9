import type Anthropic from "@anthropic-ai/sdk";
import type { SessionAgent } from "./types";

/**
 * The multiagent advisor: a model the session's primary thread may consult mid-turn, configured as
 * `multiagent_20261001.advisor` or a coordinator roster's `{type:"advisor"}` entry. It is the Messages API's
 * advisor server tool, so the upstream consults the advisor inside the model request, like web_search: its
 * `server_tool_use` / `advisor_tool_result` blocks become `agent.tool_use` / `agent.tool_result` events and
 * are replayed verbatim (web-tools.ts). Only the primary thread's requests offer it: a child thread's view of
 * the agent has no `multiagent` (threads.ts), so children never see it.
 */
export const ADVISOR_BETA = "advisor-tool-2026-03-01";

export type AdvisorTool = Anthropic.Beta.BetaAdvisorTool20260301;

/** The advisor model the agent enables, if any. */
export function advisorModel(agent: Partial<Pick<SessionAgent, "multiagent">>): string | undefined {
  const multiagent = agent.multiagent;
  if (multiagent?.type === "multiagent_20261001") return multiagent.advisor.type === "enabled" ? multiagent.advisor.model : undefined;
  if (multiagent?.type === "coordinator") return multiagent.agents.find((a) => a.type === "advisor")?.model;
  return undefined;
}

export const advisorTool = (model: string): AdvisorTool => ({ type: "advisor_20260301", name: "advisor", model });

/** An advisor result block's content as the `agent.tool_result` event's; undefined for any other block. */
export function advisorResultContent(raw: Record<string, unknown>): { content: unknown[]; isError: boolean } | undefined {
  if (raw.type !== "advisor_tool_result") return undefined;
  const content = (raw.content ?? {}) as { type?: string; text?: string; error_code?: string };
  if (content.type === "advisor_result") return { isError: false, content: [{ type: "text", text: content.text ?? "" }] };
  // The redacted answer is for the model only; the event says it was given without leaking its ciphertext.
  if (content.type === "advisor_redacted_result") return { isError: false, content: [{ type: "text", text: "[the advisor's answer is redacted]" }] };
  return { isError: true, content: [{ type: "text", text: `advisor_tool_result_error: ${content.error_code ?? "error"}` }] };
}
