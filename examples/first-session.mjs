// A first session against `npm start`: an agent with the built-in toolset runs bash on this machine
// through the local self-hosted worker. In demo mode the fake model obeys [[tool:...]] directives.
import Anthropic from "@anthropic-ai/sdk";
import { readFileSync } from "node:fs";

const { baseURL, apiKey, environmentId } = JSON.parse(readFileSync(new URL("../.local/credentials.json", import.meta.url)));
const client = new Anthropic({ baseURL, apiKey });

const agent = await client.beta.agents.create({
  name: "shell helper",
  model: "claude-sonnet-4-6",
  tools: [{ type: "agent_toolset_20260401" }],
});
const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
const stream = await client.beta.sessions.events.stream(session.id);
await client.beta.sessions.events.send(session.id, {
  events: [{ type: "user.message", content: [{ type: "text", text: 'Run it [[tool:bash {"command":"echo hello from $(hostname)"}]]' }] }],
});
for await (const event of stream) {
  if (event.type === "agent.tool_use") console.log("tool_use:", JSON.stringify(event.input));
  if (event.type === "agent.tool_result" || event.type === "user.tool_result") console.log("result:", JSON.stringify(event.content));
  if (event.type === "agent.message") console.log("agent:", event.content.map((b) => b.text).join(""));
  if (event.type === "session.status_idle") break;
}
