import { newId } from "../../src/lib/ids";
import { initialTurn, userBlocking } from "./session-state";
import { acceptUserEvents } from "./user-event-intake";
import { agentName, MAX_LIVE_THREADS, threadTag, type ThreadAgent } from "./thread-state";
import type { ThreadTx } from "./threads";
import { ToolError } from "./tool-error";
import { WORKFLOW_TOOLS, workflowThreadReported } from "./workflows";
import type { PendingToolUse, UserEventParams } from "./types";

/**
 * Delegation: the primary's tools (`list_agents`, `send_to_agent`, the workflow tools) and the messages threads
 * send each other. Each runs inside the thread transaction (`ThreadTx`) of the tool call that asked for it, so a
 * spawn, its first message and the caller's tool result commit together.
 */

type Content = Extract<UserEventParams, { type: "user.message" }>["content"];

/** Runs a delegation tool the brain handles itself, and answers the call with its result (an `agent.tool_result`). */
export function delegate(tx: ThreadTx, from: string, use: PendingToolUse) {
  let result: { text: string; isError: boolean };
  try {
    const workflowTool = WORKFLOW_TOOLS[use.name];
    const text = workflowTool ? workflowTool(tx, use.input) : use.name === "list_agents" ? listAgents(tx) : sendToAgent(tx, from, use.input);
    result = { text, isError: false };
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    result = { text: err.message, isError: true };
  }
  tx.run(from, (sub) => {
    const [id] = acceptUserEvents(sub, [{ type: "user.tool_result", tool_use_id: use.eventId, content: [{ type: "text", text: result.text }], is_error: result.isError }]);
    // The brain ran this tool itself: the result is the agent's, like that of a tool it refused.
    const draft = sub.drafts.find((d) => d.id === id)!;
    (draft as { type: string }).type = "agent.tool_result";
  });
}

function listAgents(tx: ThreadTx): string {
  const threads = tx.t.state.threads!;
  const agents = threads.roster.map((r) => ({ name: r.name, description: r.description }));
  const note = threads.inline ? " To define an agent instead, pass agent as {name, system, description}." : "";
  return JSON.stringify({ agents }) + note;
}

function sendToAgent(tx: ThreadTx, from: string, input: Record<string, unknown>): string {
  const s = tx.t.state;
  const threads = s.threads!;
  const message = input.message;
  if (typeof message !== "string" || !message.trim()) throw new ToolError("message: a non-empty string is required");
  let target: string;
  if (typeof input.session_thread_id === "string") {
    target = input.session_thread_id;
    const rec = threads.byId[target];
    if (!rec || rec.parentId !== from) throw new ToolError(`session_thread_id: ${target} is not a thread you started`);
    if (rec.archivedAt || rec.status === "terminated") throw new ToolError(`session_thread_id: thread ${target} has ended; start a new one`);
  } else {
    const agent = tx.pick(input.agent);
    const live = Object.values(threads.byId).filter((r) => r.parentId && !r.archivedAt && r.status !== "terminated");
    if (live.length >= MAX_LIVE_THREADS) throw new ToolError(`at most ${MAX_LIVE_THREADS} threads may be open at once; archive finished ones`);
    target = tx.spawn(from, agent);
  }
  const content = [{ type: "text" as const, text: message }];
  const toName = agentName(s, target);
  tx.t.emit({ type: "agent.thread_message_sent", content, to_session_thread_id: target, to_agent_name: toName, ...threadTag(s, from) });
  tx.deliver(target, from, content);
  return JSON.stringify({ session_thread_id: target, agent_name: toName });
}

/** The agent a delegation names: from `roster` by name or id, or defined inline (on the session agent's model and tools) where `inline` allows. */
export function pickAgent(tx: ThreadTx, agent: unknown, roster = tx.t.state.threads!.roster, inline = tx.t.state.threads!.inline): ThreadAgent {
  if (typeof agent === "string") {
    const entry = roster.find((r) => r.name === agent || r.agent.id === agent);
    if (!entry) throw new ToolError(`agent: no agent named ${agent}; list_agents shows the roster`);
    return entry.agent;
  }
  if (agent && typeof agent === "object" && inline) {
    const spec = agent as { name?: unknown; system?: unknown; description?: unknown };
    if (typeof spec.name !== "string" || !spec.name) throw new ToolError("agent.name: required for an inline agent");
    const own = tx.t.state.agent;
    return {
      type: "inline",
      name: spec.name,
      description: typeof spec.description === "string" ? spec.description : null,
      system: typeof spec.system === "string" ? spec.system : null,
      model: own.model,
      tools: own.tools,
      mcp_servers: own.mcp_servers,
      skills: own.skills,
      execution_identity: own.execution_identity,
    };
  }
  throw new ToolError(`agent: name a roster agent${inline ? " or define one inline as {name, system, description}" : ""}`);
}

/** A new idle child thread of `parent` running `agent` (for a workflow run's step when `workflowRunId` is set). */
export function spawnThread(tx: ThreadTx, parent: string, agent: ThreadAgent, workflowRunId?: string): string {
  const s = tx.t.state;
  const id = newId("sthr");
  const now = new Date().toISOString();
  s.threads!.byId[id] = {
    id,
    parentId: parent,
    agent,
    status: "idle",
    turn: initialTurn(),
    usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 } },
    activeSeconds: 0,
    runningSince: null,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
    ...(workflowRunId ? { workflowRunId } : {}),
  };
  tx.t.emit({ type: "session.thread_created", session_thread_id: id, agent_name: agent.name, workflow_run_id: workflowRunId ?? null, ...threadTag(s, parent) });
  return id;
}

/** A message arrives on thread `to`: an idle thread starts a turn with it; a busy one reads it in its next model request. */
export function deliverMessage(tx: ThreadTx, to: string, from: string, content: Content) {
  const s = tx.t.state;
  const fromName = from === s.threads!.primaryId ? null : agentName(s, from);
  const received = { type: "agent.thread_message_received" as const, content, from_session_thread_id: from, ...(fromName ? { from_agent_name: fromName } : {}) };
  tx.run(to, (sub) => {
    const turn = sub.state.turn;
    if (turn.phase !== "idle" || userBlocking(turn.pending).length) return void sub.emit(received);
    const [id] = acceptUserEvents(sub, [{ type: "user.message", content }]);
    const i = sub.drafts.findIndex((d) => d.id === id);
    sub.drafts[i] = { ...received, id };
  });
}

/** A child's turn ended: its answer goes to the thread that started it (or, for a workflow run's thread, to its run). */
export function reportToParent(tx: ThreadTx, id: string, texts: string[], failed: string | null) {
  const s = tx.t.state;
  if (s.threads!.byId[id].workflowRunId) return workflowThreadReported(tx, id, texts.join("\n\n") || "(the agent ended its turn without a message)", failed);
  const parent = s.threads!.byId[id].parentId!;
  const content = [{ type: "text" as const, text: texts.join("\n\n") || "(the agent ended its turn without a message)" }];
  const toName = parent === s.threads!.primaryId ? {} : { to_agent_name: agentName(s, parent) };
  tx.t.emit({ type: "agent.thread_message_sent", content, to_session_thread_id: parent, ...toName, thread: id });
  deliverMessage(tx, parent, id, content);
}
