// A first session against `npm start`: an agent with the built-in toolset runs bash on this machine through the
// local self-hosted worker. Uses the exports `npm start` prints (MA_BASE_URL, MA_API_KEY, MA_ENVIRONMENT_ID), or
// .local/credentials.json when they are not set. In demo mode the fake model obeys the [[tool:...]] directive; a
// real model reads the request before it.
import Anthropic from "@anthropic-ai/sdk";
import { existsSync, readFileSync } from "node:fs";

const savedFile = new URL("../.local/credentials.json", import.meta.url);
const saved = existsSync(savedFile) ? JSON.parse(readFileSync(savedFile, "utf8")) : {};
const baseURL = process.env.MA_BASE_URL ?? saved.baseURL ?? "http://127.0.0.1:8787";
const client = new Anthropic({ baseURL, apiKey: process.env.MA_API_KEY ?? saved.apiKey });
const environmentId = process.env.MA_ENVIRONMENT_ID ?? saved.environmentId;

// One agent, reused on every run: a new identical one each time would only pile up.
const name = "shell helper";
let agent;
for await (const existing of client.beta.agents.list()) if (existing.name === name) agent ??= existing;
agent ??= await client.beta.agents.create({ name, model: "claude-sonnet-4-5", tools: [{ type: "agent_toolset_20260401" }] });

const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
const stream = await client.beta.sessions.events.stream(session.id);
await client.beta.sessions.events.send(session.id, {
  events: [
    {
      type: "user.message",
      content: [{ type: "text", text: 'Run `echo hello from $(hostname)` with bash. [[tool:bash {"command":"echo hello from $(hostname)"}]]' }],
    },
  ],
});
for await (const event of stream) {
  if (event.type === "agent.tool_use") console.log("tool_use:", JSON.stringify(event.input));
  if (event.type === "agent.tool_result" || event.type === "user.tool_result") console.log("result:", JSON.stringify(event.content));
  if (event.type === "agent.message") console.log("agent:", event.content.map((b) => b.text).join(""));
  if (event.type === "session.status_idle") break;
}
console.log(`session ${session.id}: ${baseURL}/console/#/sessions/${session.id}`);
