// A scripted stand-in for the Anthropic Messages API (`POST /v1/messages`, streaming or not).
// Plain ESM on web-standard Request/Response so the same code serves the workerd tests (through
// miniflare's outboundService) and the standalone Node server (server.mjs). See README.md for the
// directives a prompt can carry.

/**
 * @typedef {{ type: string, [k: string]: any }} Block
 * @typedef {{ role: "user" | "assistant", content: string | Block[] }} Message
 * @typedef {{ model: string, max_tokens: number, messages: Message[], system?: unknown, tools?: any[],
 *   stream?: boolean, metadata?: { user_id?: string } }} MessagesRequest
 * @typedef {{ kind: string, arg: string }} Directive
 */

/** Attempts seen per (caller, conversation position, prompt), so `x2`-style directives fail N times then pass. */
const attempts = new Map();
/** Every request received, newest last; read back through `GET /_fake/requests`. */
const received = [];
const MAX_RECEIVED = 2000;

/** Forget attempt counters and the request log (tests that want a clean slate). */
export function resetFakeModel() {
  attempts.clear();
  received.length = 0;
}

/**
 * Handle one request addressed to the fake model. Routes:
 * - `POST /v1/messages`: the scripted model
 * - `GET /_fake/requests?user_id=...`: requests received (optionally for one `metadata.user_id`)
 * - `POST /_fake/reset`: clear counters and the log
 * @param {Request} request
 * @returns {Promise<Response>}
 */
export async function handleFakeModelRequest(request) {
  const url = new URL(request.url);
  if (url.pathname === "/_fake/requests" && request.method === "GET") {
    const userId = url.searchParams.get("user_id");
    return json(200, { data: received.filter((r) => !userId || r.metadata?.user_id === userId) });
  }
  if (url.pathname === "/_fake/reset" && request.method === "POST") {
    resetFakeModel();
    return json(200, { ok: true });
  }
  if (url.pathname !== "/v1/messages" || request.method !== "POST") {
    return apiError(404, "not_found_error", `fake model: no route for ${request.method} ${url.pathname}`);
  }

  /** @type {MessagesRequest} */
  let body;
  try {
    body = await request.json();
  } catch {
    return apiError(400, "invalid_request_error", "body is not JSON");
  }
  // The beta header rides along on the logged request (`anthropic_beta`), so tests can see what was enabled.
  const betas = (request.headers.get("anthropic-beta") ?? "").split(",").map((b) => b.trim()).filter(Boolean);
  received.push(betas.length ? { ...body, anthropic_beta: betas } : body);
  if (received.length > MAX_RECEIVED) received.splice(0, received.length - MAX_RECEIVED);

  const invalid = validateRequest(body, betas);
  if (invalid) return apiError(400, "invalid_request_error", invalid);

  const located = locatePrompt(body.messages);
  const { prompt } = located;
  // A request that ends with a paused answer (`[[pause_turn]]`) resumes that same step.
  const paused = pausedServerToolUses(body.messages);
  const step = paused.size ? located.step - 1 : located.step;
  if (typeof body.system === "string" && body.system.startsWith("You grade")) return json(200, graderResponse(body, prompt));
  const segments = prompt.split("[[next]]");
  const segment = segments[step] ?? "";
  const directives = parseDirectives(segment);
  const key = `${body.metadata?.user_id ?? ""}|${body.messages.length}|${prompt}`;
  const attempt = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, attempt);

  const delayMs = num(find(directives, "delay")?.arg, 0);
  if (delayMs) await sleep(delayMs, request.signal);

  const error = find(directives, "error");
  if (error) {
    const [status, times] = error.arg.split(/\s+/);
    if (withinTimes(times, attempt)) return scriptedError(Number(status));
  }

  const response = buildResponse(body, directives, step, segments.length, prompt, paused);
  const cut = find(directives, "cut");
  const cutNow = cut !== undefined && withinTimes(cut.arg || "x1", attempt);
  if (!body.stream) {
    if (cutNow) return new Response('{"id":"msg_', { status: 200, headers: { "content-type": "application/json" } });
    return json(200, response);
  }
  const [streamErrorStatus, streamErrorTimes] = (find(directives, "stream_error")?.arg ?? "").split(/\s+/);
  return streamResponse(response, {
    chunkDelayMs: num(find(directives, "slow")?.arg, 0),
    cut: cutNow,
    streamError: streamErrorStatus && withinTimes(streamErrorTimes, attempt) ? Number(streamErrorStatus) : undefined,
    signal: request.signal,
  });
}

// ---------------------------------------------------------------------------------------------
// Request checks: the rules of the real API that a broken conversation rebuild would violate.

/** @param {MessagesRequest} body @param {string[]} betas */
function validateRequest(body, betas = []) {
  if (!body || typeof body !== "object") return "body must be an object";
  if (typeof body.model !== "string" || !body.model) return "model: field required";
  if (typeof body.max_tokens !== "number") return "max_tokens: field required";
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "messages: at least one message is required";
  if (body.messages[0].role !== "user") return "messages: first message must use the user role";
  const toolNames = new Set((body.tools ?? []).map((t) => t.name));
  if (toolNames.size !== (body.tools ?? []).length) return "tools: tool names must be unique";
  if ((body.tools ?? []).some((t) => t.type === "advisor_20260301") && !betas.includes("advisor-tool-2026-03-01")) {
    return "tools: advisor_20260301 requires the advisor-tool-2026-03-01 beta";
  }
  for (let i = 0; i < body.messages.length; i++) {
    const message = body.messages[i];
    if (message.role !== "user" && message.role !== "assistant") return `messages.${i}.role: invalid role`;
    if (i > 0 && body.messages[i - 1].role === message.role) return `messages.${i}: roles must alternate`;
    const blocks = asBlocks(message.content);
    if (blocks.length === 0) return `messages.${i}: content must be non-empty`;
    if (message.role !== "assistant") continue;
    const serverInvalid = validateServerBlocks(blocks, body.tools ?? [], i, i === body.messages.length - 1);
    if (serverInvalid) return serverInvalid;
    const uses = blocks.filter((b) => b.type === "tool_use");
    for (const use of uses) {
      if (!/^[a-zA-Z0-9_-]+$/.test(use.id ?? "")) return `messages.${i}: tool_use id ${use.id} is malformed`;
      if (!toolNames.has(use.name)) return `messages.${i}: tool_use names unknown tool ${use.name}`;
    }
    if (uses.length === 0) continue;
    const next = body.messages[i + 1];
    if (!next) return `messages.${i}: tool_use blocks must be followed by a user message with tool_result blocks`;
    const nextBlocks = asBlocks(next.content);
    const results = nextBlocks.filter((b) => b.type === "tool_result");
    const firstOther = nextBlocks.findIndex((b) => b.type !== "tool_result");
    if (firstOther !== -1 && firstOther < results.length) return `messages.${i + 1}: tool_result blocks must come first`;
    for (const use of uses) {
      if (!results.some((r) => r.tool_use_id === use.id)) {
        return `messages.${i + 1}: tool_use ids were found without tool_result blocks immediately after: ${use.id}`;
      }
    }
    for (const result of results) {
      if (!uses.some((u) => u.id === result.tool_use_id)) return `messages.${i + 1}: unexpected tool_use_id ${result.tool_use_id}`;
    }
  }
  const last = body.messages[body.messages.length - 1];
  if (last.role !== "user" && pausedServerToolUses(body.messages).size === 0) {
    return "messages: the final message must use the user role (or be an answer paused with pause_turn)";
  }
  return undefined;
}

/**
 * Server tool blocks replayed in an assistant message: each `server_tool_use` names an offered server tool
 * and is answered by its `*_tool_result` in the same message; search results keep their encrypted content.
 * @param {Block[]} blocks @param {any[]} tools @param {number} i
 */
function validateServerBlocks(blocks, tools, i, final) {
  for (const use of blocks.filter((b) => b.type === "server_tool_use")) {
    if (!tools.some((t) => t.name === use.name && typeof t.type === "string" && t.type.startsWith(`${use.name}_`))) {
      return `messages.${i}: server_tool_use names ${use.name}, which is not an offered server tool`;
    }
    if (!final && !blocks.some((b) => b.type === `${use.name}_tool_result` && b.tool_use_id === use.id)) {
      return `messages.${i}: server_tool_use ${use.id} has no ${use.name}_tool_result in the same message`;
    }
  }
  for (const result of blocks.filter((b) => b.type === "web_search_tool_result")) {
    if (!blocks.some((b) => b.type === "server_tool_use" && b.id === result.tool_use_id)) {
      return `messages.${i}: web_search_tool_result ${result.tool_use_id} does not follow its server_tool_use`;
    }
    if (Array.isArray(result.content) && result.content.some((r) => typeof r.encrypted_content !== "string")) {
      return `messages.${i}: web_search_result blocks must be passed back with their encrypted_content`;
    }
  }
  for (const result of blocks.filter((b) => b.type === "advisor_tool_result")) {
    if (!blocks.some((b) => b.type === "server_tool_use" && b.id === result.tool_use_id)) {
      return `messages.${i}: advisor_tool_result ${result.tool_use_id} does not follow its server_tool_use`;
    }
    const c = result.content ?? {};
    const intact =
      (c.type === "advisor_result" && typeof c.text === "string") ||
      (c.type === "advisor_redacted_result" && typeof c.encrypted_content === "string") ||
      (c.type === "advisor_tool_result_error" && typeof c.error_code === "string");
    if (!intact) return `messages.${i}: advisor_tool_result ${result.tool_use_id} must be passed back as it was returned`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Script interpretation.

/**
 * The prompt is the last text block of the last user message that carries text (consecutive user
 * messages arrive merged into one, and only the newest should steer); the step is how many assistant
 * messages came after it (one per model call in the turn so far).
 * @param {Message[]} messages
 */
function locatePrompt(messages) {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message.role !== "user") continue;
    const text = asBlocks(message.content)
      .filter((b) => b.type === "text")
      .map((b) => b.text)
      .pop();
    if (text) {
      const step = messages.slice(i + 1).filter((m) => m.role === "assistant").length;
      return { prompt: text, step };
    }
  }
  return { prompt: "", step: 0 };
}

/** @param {string} text @returns {Directive[]} */
export function parseDirectives(text) {
  const out = [];
  for (const match of text.matchAll(/\[\[([a-z_]+)(?::?\s*)((?:(?!\]\]).)*)\]\]/gs)) {
    out.push({ kind: match[1], arg: match[2].trim() });
  }
  return out;
}

const stripDirectives = (text) => text.replace(/\[\[(?:(?!\]\]).)*\]\]/gs, "").trim();

/** @param {Directive[]} directives @param {string} kind */
const find = (directives, kind) => directives.find((d) => d.kind === kind);

/** `x2` → first two attempts; `always` → every attempt; empty → first attempt only. */
function withinTimes(times, attempt) {
  if (!times) return attempt <= 1;
  if (times === "always") return true;
  const n = Number(times.replace(/^x/, ""));
  return Number.isFinite(n) ? attempt <= n : attempt <= 1;
}

/** The ids of server tool calls the final (assistant) message left without results: a paused turn. */
function pausedServerToolUses(messages) {
  const last = messages[messages.length - 1];
  if (last?.role !== "assistant") return new Set();
  const blocks = asBlocks(last.content);
  return new Set(blocks.filter((b) => b.type === "server_tool_use" && !blocks.some((r) => r.tool_use_id === b.id)).map((b) => b.id));
}

/** @param {MessagesRequest} body @param {Directive[]} directives @param {Set<string>} paused */
function buildResponse(body, directives, step, stepCount, prompt, paused = new Set()) {
  /** @type {Block[]} */
  const content = [];
  const thinking = find(directives, "thinking");
  if (thinking) {
    const text = thinking.arg || "Let me think about this.";
    content.push({ type: "thinking", thinking: text, signature: `sig_${hash(text)}` });
  }
  // Server tool calls the upstream runs itself: the call and its result, in this answer.
  directives
    .filter((d) => d.kind === "web_search")
    .forEach((d, i) => content.push(...webSearch(body.tools ?? [], d.arg, `srvtoolu_fake_${step}_${i}_${hash(d.arg)}`)));
  directives
    .filter((d) => d.kind === "advisor")
    .forEach((d, i) => content.push(...advisor(body.tools ?? [], d.arg, `srvtoolu_fake_adv_${step}_${i}_${hash(d.arg)}`)));
  const explicitText = find(directives, "text");
  const toolDirectives = [
    ...directives.filter((d) => d.kind === "tool"),
    ...directives.filter((d) => d.kind === "spawn" || d.kind === "message").map((d) => delegation(d, body.messages)),
    ...directives.filter((d) => d.kind === "workflow").map(workflowPlan),
    ...directives.filter((d) => d.kind === "program").map(workflowProgram),
    ...directives.filter((d) => d.kind === "stop_workflow" || d.kind === "workflow_status").map((d) => workflowCall(d, body.messages)),
  ];
  let text;
  if (explicitText) text = explicitText.arg;
  else if (step === 0) text = toolDirectives.length ? "" : `Echo: ${stripDirectives(prompt.split("[[next]]")[0]) || "(empty)"}`;
  else if (step < stepCount) text = toolDirectives.length ? "" : `Step ${step} done.`;
  else text = `Done. Tool results: ${summarizeToolResults(body.messages[body.messages.length - 1])}`;
  if (text) content.push({ type: "text", text });

  toolDirectives.forEach((d, i) => {
    const space = d.arg.search(/\s/);
    const name = space === -1 ? d.arg : d.arg.slice(0, space);
    const rawInput = space === -1 ? "{}" : d.arg.slice(space + 1).trim();
    let input;
    try {
      input = JSON.parse(rawInput || "{}");
    } catch {
      input = { raw: rawInput };
    }
    content.push({ type: "tool_use", id: `toolu_fake_${step}_${i}_${hash(name + rawInput)}`, name, input });
  });

  const refusal = find(directives, "refusal");
  let stopReason = refusal ? "refusal" : toolDirectives.length ? "tool_use" : "end_turn";
  if (paused.size) {
    // Resuming: the calls already sent are not repeated; their results and the rest follow.
    content.splice(0, content.length, ...content.filter((b) => !(b.type === "server_tool_use" && paused.has(b.id))));
  } else if (find(directives, "pause_turn") && content.some((b) => b.type === "server_tool_use")) {
    // Pausing: only the server tool calls, as the upstream does when a server tool turn runs long.
    content.splice(0, content.length, ...content.filter((b) => b.type === "server_tool_use"));
    stopReason = "pause_turn";
  }
  const usageOverride = parseUsage(find(directives, "usage")?.arg);
  const inputTokens = Math.ceil(JSON.stringify([body.system ?? "", body.tools ?? [], body.messages]).length / 4);
  const outputTokens = Math.max(1, Math.ceil(JSON.stringify(content).length / 4));
  return {
    id: `msg_fake_${hash(JSON.stringify(body.messages))}_${step}`,
    type: "message",
    role: "assistant",
    model: body.model,
    content: refusal ? [] : content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: usageOverride.in ?? inputTokens,
      output_tokens: usageOverride.out ?? outputTokens,
      cache_creation_input_tokens: usageOverride.cache_write ?? 0,
      cache_read_input_tokens: usageOverride.cache_read ?? 0,
    },
  };
}

/** `[[web_search:query]]`: results from the first allowed domain (or search.example.test). */
function webSearch(tools, query, id) {
  const tool = tools.find((t) => t.type === "web_search_20250305");
  if (!tool) return [{ type: "text", text: "web_search is not offered" }];
  const domain = tool.allowed_domains?.[0] ?? "search.example.test";
  const slug = encodeURIComponent(query.toLowerCase().replace(/\s+/g, "-"));
  return [
    { type: "server_tool_use", id, name: "web_search", input: { query } },
    {
      type: "web_search_tool_result",
      tool_use_id: id,
      content: [
        { type: "web_search_result", url: `https://${domain}/results/${slug}`, title: `Result for ${query}`, encrypted_content: `enc_${hash(query)}`, page_age: "2 days ago" },
      ],
    },
  ];
}

/** `[[advisor:question]]`: the advisor model's answer (`!code`: an `advisor_tool_result_error` with that code). */
function advisor(tools, question, id) {
  const tool = tools.find((t) => t.type === "advisor_20260301");
  if (!tool) return [{ type: "text", text: "advisor is not offered" }];
  const content = question.startsWith("!")
    ? { type: "advisor_tool_result_error", error_code: question.slice(1) }
    : { type: "advisor_result", text: `Advice from ${tool.model} on ${question}: go ahead.`, stop_reason: "end_turn" };
  return [
    { type: "server_tool_use", id, name: "advisor", input: {} },
    { type: "advisor_tool_result", tool_use_id: id, content },
  ];
}

/**
 * `[[spawn:Name task]]` / `[[message:sthr_x text]]` (or `last`: the newest thread a tool result named) as a
 * `send_to_agent` call. `{{`/`}}` in the text become `[[`/`]]` (the last two of `}}}`, so JSON input can end a
 * directive), so the receiving thread gets directives of its own.
 * @param {Directive} d @param {Message[]} messages @returns {Directive}
 */
function delegation(d, messages) {
  const space = d.arg.search(/\s/);
  const target = space === -1 ? d.arg : d.arg.slice(0, space);
  const message = (space === -1 ? "" : d.arg.slice(space + 1).trim()).replaceAll("{{", "[[").replace(/\}\}(?!\})/g, "]]") || "(no message)";
  let input;
  if (d.kind === "spawn") input = { agent: target, message };
  else {
    const named = JSON.stringify(messages).match(/sthr_[A-Za-z0-9]+/g) ?? [];
    input = { session_thread_id: target === "last" ? (named[named.length - 1] ?? "sthr_none") : target, message };
  }
  return { kind: "tool", arg: `send_to_agent ${JSON.stringify(input)}` };
}

/**
 * `[[workflow:RunName timeout=5 Phase=Agent:task >> Phase=Agent:task && Agent:task]]` as a `start_workflow_run`
 * call: the phases in order, `>>` between them, each run by the named agent with its task, or by several agents at
 * once (`&&` between `Agent:task` parts); `timeout=N` (optional) is the run's `timeout_seconds`. `{{`/`}}` become
 * `[[`/`]]` as in `spawn`, so each agent's thread gets directives of its own.
 * @param {Directive} d @returns {Directive}
 */
function workflowPlan(d) {
  const { head, rest } = runHead(d.arg);
  const phases = rest
    .split(">>")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const match = s.match(/^([^=]+)=(.*)$/s);
      if (!match) return { name: s, agent: "", task: "" };
      const steps = match[2].split("&&").map((part) => {
        const step = part.trim().match(/^([^:]+):(.*)$/s);
        return step ? { agent: step[1].trim(), task: unescape(step[2]) } : { agent: part.trim(), task: "" };
      });
      return steps.length === 1 ? { name: match[1].trim(), ...steps[0] } : { name: match[1].trim(), agents: steps };
    });
  return { kind: "tool", arg: `start_workflow_run ${JSON.stringify({ ...head, phases })}` };
}

/**
 * The start of a `workflow` or `program` directive, `RunName timeout=5 ...`: the run's name and `timeout_seconds`
 * (if given), and the rest.
 * @param {string} arg
 */
function runHead(arg) {
  const space = arg.search(/\s/);
  const name = space === -1 ? arg : arg.slice(0, space);
  let rest = space === -1 ? "" : arg.slice(space + 1).trim();
  const timeout = rest.match(/^timeout=(\d+)\s+/);
  if (timeout) rest = rest.slice(timeout[0].length);
  return { head: { name, ...(timeout ? { timeout_seconds: Number(timeout[1]) } : {}) }, rest };
}

/** `{{`/`}}` as `[[`/`]]`: directives inside a directive, for the thread that reads them. */
const unescape = (/** @type {string} */ text) => text.trim().replaceAll("{{", "[[").replace(/\}\}(?!\})/g, "]]");

/**
 * `[[program:RunName timeout=5 <JavaScript>]]` as a `start_workflow_run` call with that program (the body of an
 * async function using `agent({name, task})` and `phase(name, fn)`); `timeout=N` (optional) is the run's
 * `timeout_seconds`. `{{`/`}}` in the source become `[[`/`]]`, so each agent's task can carry directives of its own
 * (write `} }` where the code itself closes two braces).
 * @param {Directive} d @returns {Directive}
 */
function workflowProgram(d) {
  const { head, rest } = runHead(d.arg);
  return { kind: "tool", arg: `start_workflow_run ${JSON.stringify({ ...head, program: unescape(rest) })}` };
}

/**
 * `[[stop_workflow:wfrun_x]]` / `[[workflow_status:last]]`: a `stop_workflow_run` / `get_workflow_run` call for that
 * run (`last`: the newest `wfrun_` id in the conversation, e.g. from a start's tool result).
 * @param {Directive} d @param {any[]} messages @returns {Directive}
 */
function workflowCall(d, messages) {
  const named = JSON.stringify(messages).match(/wfrun_[A-Za-z0-9]+/g) ?? [];
  const id = d.arg === "last" ? (named[named.length - 1] ?? "wfrun_none") : d.arg;
  const tool = d.kind === "stop_workflow" ? "stop_workflow_run" : "get_workflow_run";
  return { kind: "tool", arg: `${tool} ${JSON.stringify({ workflow_run_id: id })}` };
}

function summarizeToolResults(message) {
  const results = asBlocks(message?.content ?? []).filter((b) => b.type === "tool_result");
  if (!results.length) return "none";
  return results
    .map((r) => {
      const text = typeof r.content === "string" ? r.content : asBlocks(r.content ?? []).map((b) => b.text ?? `[${b.type}]`).join(" ");
      return `${r.is_error ? "error" : "ok"}(${text})`;
    })
    .join(", ");
}

/** `in=10,out=5,cache_read=3,cache_write=2` */
function parseUsage(arg) {
  /** @type {Record<string, number>} */
  const out = {};
  for (const part of (arg ?? "").split(",")) {
    const [k, v] = part.split("=").map((s) => s.trim());
    if (k && v !== undefined && Number.isFinite(Number(v))) out[k] = Number(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Wire formats.

/**
 * @param {any} message
 * @param {{ chunkDelayMs: number, cut: boolean, streamError?: number, signal?: AbortSignal }} options
 */
function streamResponse(message, options) {
  const events = streamEvents(message);
  const cutAt = options.cut ? Math.max(2, Math.floor(events.length / 2)) : -1;
  const errorAt = options.streamError ? Math.max(2, Math.floor(events.length / 2)) : -1;
  const encoder = new TextEncoder();
  let i = 0;
  const stream = new ReadableStream({
    async pull(controller) {
      if (options.signal?.aborted) {
        controller.close();
        return;
      }
      if (i > 0 && options.chunkDelayMs) await sleep(options.chunkDelayMs, options.signal).catch(() => {});
      if (i === cutAt) {
        // A connection dropped mid-message: the body just stops, no message_stop.
        controller.close();
        return;
      }
      if (i === errorAt) {
        const type = errorType(options.streamError);
        controller.enqueue(encoder.encode(sse("error", { type: "error", error: { type, message: `scripted ${type}` } })));
        controller.close();
        return;
      }
      if (i >= events.length) {
        controller.close();
        return;
      }
      const event = events[i++];
      controller.enqueue(encoder.encode(sse(event.type, event)));
    },
  });
  return new Response(stream, {
    status: 200,
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": `req_fake_${Date.now()}` },
  });
}

function streamEvents(message) {
  const events = [];
  events.push({
    type: "message_start",
    message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...message.usage, output_tokens: 1 } },
  });
  events.push({ type: "ping" });
  message.content.forEach((block, index) => {
    if (block.type === "text") {
      events.push({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
      for (const piece of chunk(block.text)) events.push({ type: "content_block_delta", index, delta: { type: "text_delta", text: piece } });
    } else if (block.type === "thinking") {
      events.push({ type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } });
      for (const piece of chunk(block.thinking)) events.push({ type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: piece } });
      events.push({ type: "content_block_delta", index, delta: { type: "signature_delta", signature: block.signature } });
    } else if (block.type === "server_tool_use") {
      events.push({ type: "content_block_start", index, content_block: { type: "server_tool_use", id: block.id, name: block.name, input: {} } });
      events.push({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } });
    } else if (block.type.endsWith("_tool_result")) {
      events.push({ type: "content_block_start", index, content_block: block });
    } else if (block.type === "tool_use") {
      events.push({ type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } });
      const json = JSON.stringify(block.input);
      for (let i = 0; i < json.length; i += 16) {
        events.push({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: json.slice(i, i + 16) } });
      }
    }
    events.push({ type: "content_block_stop", index });
  });
  events.push({
    type: "message_delta",
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: {
      output_tokens: message.usage.output_tokens,
      input_tokens: message.usage.input_tokens,
      cache_creation_input_tokens: message.usage.cache_creation_input_tokens,
      cache_read_input_tokens: message.usage.cache_read_input_tokens,
    },
  });
  events.push({ type: "message_stop" });
  return events;
}

/** Words in groups of three, whitespace kept, so a text streams as several deltas. */
function chunk(text) {
  const words = text.match(/\S+\s*/g) ?? [text];
  const out = [];
  for (let i = 0; i < words.length; i += 3) out.push(words.slice(i, i + 3).join(""));
  return out.length ? out : [""];
}

const sse = (event, data) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

function errorType(status) {
  if (status === 429) return "rate_limit_error";
  if (status === 529) return "overloaded_error";
  if (status === 401) return "authentication_error";
  if (status === 400) return "invalid_request_error";
  if (status === 404) return "not_found_error";
  return "api_error";
}

function scriptedError(status) {
  const type = errorType(status);
  const headers = status === 429 ? { "retry-after": "0" } : {};
  return apiError(status, type, `scripted ${type}`, headers);
}

function apiError(status, type, message, headers = {}) {
  return json(status, { type: "error", error: { type, message }, request_id: `req_fake_${Date.now()}` }, headers);
}

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** @param {string | Block[]} content @returns {Block[]} */
const asBlocks = (content) => (typeof content === "string" ? (content ? [{ type: "text", text: content }] : []) : content);

const num = (value, fallback) => (value !== undefined && Number.isFinite(Number(value)) ? Number(value) : fallback);

function hash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("aborted"));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    });
  });
}

/**
 * The outcome grader's request (system prompt "You grade..."). `[[grade:needs_revision,satisfied]]` in the
 * rubric scripts the verdict per iteration (the prompt's `Iteration: N`; the last one repeats); without it
 * the work is `satisfied`. The explanation names the iteration and verdict.
 */
function graderResponse(body, prompt) {
  const verdicts = (find(parseDirectives(prompt), "grade")?.arg || "satisfied").split(",").map((v) => v.trim());
  const iteration = Number(/Iteration: (\d+)/.exec(prompt)?.[1] ?? 0);
  const result = verdicts[Math.min(iteration, verdicts.length - 1)];
  const text = JSON.stringify({ result, explanation: `iteration ${iteration}: ${result}` });
  return {
    id: `msg_fake_grade_${hash(prompt)}`,
    type: "message",
    role: "assistant",
    model: body.model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: Math.ceil(prompt.length / 4), output_tokens: Math.ceil(text.length / 4), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}
