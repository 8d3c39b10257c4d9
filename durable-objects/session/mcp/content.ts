import type { McpCallResult } from "./connection";

type Block =
  | { type: "text"; text: string }
  | { type: "image"; source: { type: "base64"; media_type: string; data: string } };

/** MCP tool content as the `agent.mcp_tool_result` content blocks (and so the model's tool_result) carry it. */
export function resultContent(result: McpCallResult): Block[] {
  const blocks: Block[] = [];
  for (const item of result.content) {
    if (item.type === "text" && typeof item.text === "string") blocks.push({ type: "text", text: item.text });
    else if (item.type === "image" && typeof item.data === "string" && typeof item.mimeType === "string") {
      blocks.push({ type: "image", source: { type: "base64", media_type: item.mimeType, data: item.data } });
    } else if (item.type === "resource" && item.resource && typeof (item.resource as { text?: unknown }).text === "string") {
      blocks.push({ type: "text", text: (item.resource as { text: string }).text });
    } else blocks.push({ type: "text", text: JSON.stringify(item) });
  }
  return blocks;
}
