// What a workspace API key manages, through the official SDK: environment keys, sessions, usage.
import { writeFileSync } from "node:fs";
import { admin, BETA, sdk } from "./config.mjs";
import { required } from "./admin-commands.mjs";
import { cacheCreated, money, printJson, printTable, tokens } from "./output.mjs";

const betaHeaders = { "anthropic-beta": BETA };

/** Environment keys have no SDK method; the SDK's own request methods still carry auth, retries and errors. */
export const environmentKeyCommands = {
  list: {
    usage: "env-keys list <environment_id>",
    run: async ({ connection, flags, args: [environment] }) => {
      const page = await sdk(connection).get(`/v1/environments/${required(environment, "environment_id")}/keys`, {
        query: { limit: 100 },
        headers: betaHeaders,
      });
      if (flags.json) return printJson(page.data);
      printTable(page.data, [["id", (k) => k.id], ["name", (k) => k.name], ["hint", (k) => k.partial_key_hint], ["created", (k) => k.created_at], ["revoked", (k) => k.revoked_at ?? ""]]);
    },
  },
  create: {
    usage: "env-keys create <environment_id> [--name NAME]",
    options: { name: { type: "string" } },
    run: async ({ connection, flags, args: [environment] }) => {
      const key = await sdk(connection).post(`/v1/environments/${required(environment, "environment_id")}/keys`, {
        body: { name: flags.name ?? "cli" },
        headers: betaHeaders,
      });
      if (flags.json) return printJson(key);
      console.log(`environment key ${key.id} (${key.name}): ${key.key}   (shown once: give it to the worker)`);
    },
  },
  revoke: {
    usage: "env-keys revoke <environment_id> <key_id>",
    run: async ({ connection, flags, args: [environment, key] }) => {
      const revoked = await sdk(connection).post(
        `/v1/environments/${required(environment, "environment_id")}/keys/${required(key, "key_id")}/revoke`,
        { headers: betaHeaders },
      );
      if (flags.json) return printJson(revoked);
      console.log(`revoked ${revoked.id} at ${revoked.revoked_at}`);
    },
  },
};

const describeEvent = (event) => {
  const text = (event.content ?? [])
    .map((block) => block.text ?? "")
    .join("")
    .replace(/\s+/g, " ")
    .slice(0, 120);
  const detail = event.name
    ? ` ${event.name}`
    : event.stop_reason?.type
      ? ` (${event.stop_reason.type})`
      : event.type === "session.usage"
        ? ` ${tokens(event.usage)}${event.usage?.list_cost ? `, ${money(event.usage.list_cost)}` : ""}`
        : "";
  return `${event.processed_at ?? ""}  ${event.id}  ${event.type}${detail}${text ? `  ${text}` : ""}`;
};

export const sessionCommands = {
  list: {
    usage: "sessions list [--limit N]",
    options: { limit: { type: "string" } },
    run: async ({ connection, flags }) => {
      const limit = Number(flags.limit ?? 20);
      const sessions = [];
      for await (const session of sdk(connection).beta.sessions.list({ limit: Math.min(limit, 100) })) {
        sessions.push(session);
        if (sessions.length >= limit) break;
      }
      if (flags.json) return printJson(sessions);
      printTable(sessions, [
        ["id", (s) => s.id],
        ["status", (s) => s.status],
        ["title", (s) => (s.title ?? "").slice(0, 40)],
        ["tokens", (s) => tokens(s.usage)],
        ["cost", (s) => money(s.usage?.list_cost)],
        ["created", (s) => s.created_at],
      ]);
    },
  },
  send: {
    usage: "sessions send <session_id> <text...>",
    run: async ({ connection, flags, args: [session, ...words] }) => {
      const text = words.join(" ");
      if (!text) throw new Error("missing <text>");
      const sent = await sdk(connection).beta.sessions.events.send(required(session, "session_id"), {
        events: [{ type: "user.message", content: [{ type: "text", text }] }],
      });
      if (flags.json) return printJson(sent.data);
      for (const event of sent.data) console.log(`sent ${event.id}`);
    },
  },
  tail: {
    usage: "sessions tail <session_id> [--after EVENT_ID] [--until-idle]",
    options: { after: { type: "string" }, "until-idle": { type: "boolean" } },
    run: async ({ connection, flags, args: [session] }) => {
      // The SSE stream resumes after `Last-Event-ID`, as a browser's EventSource would on reconnect.
      const stream = await sdk(connection).beta.sessions.events.stream(required(session, "session_id"), undefined, {
        headers: flags.after ? { "last-event-id": flags.after } : {},
      });
      // On stderr, so stdout stays the events alone: from here on nothing the session does is missed.
      console.error(`following ${session} live${flags.after ? ` after ${flags.after}` : ""} (Ctrl-C to stop)`);
      for await (const event of stream) {
        console.log(flags.json ? JSON.stringify(event) : describeEvent(event));
        if (flags["until-idle"] && (event.type === "session.status_idle" || event.type === "session.status_terminated")) break;
      }
    },
  },
  export: {
    usage: "sessions export <session_id> [--out FILE]",
    options: { out: { type: "string" } },
    run: async ({ connection, flags, args: [session] }) => {
      const lines = [];
      for await (const event of sdk(connection).beta.sessions.events.list(required(session, "session_id"), { limit: 1000 })) {
        lines.push(JSON.stringify(event));
      }
      const jsonl = lines.map((line) => `${line}\n`).join("");
      if (flags.out) {
        writeFileSync(flags.out, jsonl);
        console.error(`${lines.length} events written to ${flags.out}`);
      } else process.stdout.write(jsonl);
    },
  },
};

/**
 * Usage of a workspace: with `--workspace`, the admin API's view (its limits and the quota object's counters);
 * without, token use summed over the API key's own workspace's sessions.
 */
export const usageCommand = {
  usage: "usage   (the API key's workspace: sessions and tokens)",
  options: { workspace: { type: "string" } },
  run: async ({ connection, flags }) => {
    if (flags.workspace) {
      const limits = await admin(connection, "GET", `/workspaces/${flags.workspace}/limits`);
      if (flags.json) return printJson(limits);
      printTable(
        Object.keys({ ...limits.limits, ...limits.usage }).map((name) => ({ name, usage: limits.usage?.[name], limit: limits.limits?.[name] })),
        [["name", (r) => r.name], ["usage", (r) => r.usage ?? ""], ["limit", (r) => r.limit ?? ""]],
      );
      return;
    }
    const total = { sessions: 0, running: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    for await (const session of sdk(connection).beta.sessions.list({ limit: 100 })) {
      total.sessions += 1;
      if (session.status === "running") total.running += 1;
      total.input_tokens += session.usage?.input_tokens ?? 0;
      total.output_tokens += session.usage?.output_tokens ?? 0;
      total.cache_read_input_tokens += session.usage?.cache_read_input_tokens ?? 0;
      total.cache_creation_input_tokens += cacheCreated(session.usage);
    }
    if (flags.json) return printJson(total);
    for (const [key, value] of Object.entries(total)) console.log(`${key.replace(/_/g, " ").padEnd(28)}${value}`);
  },
};
