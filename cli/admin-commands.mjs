// Workspaces and their API keys, through the operator's admin API.
import { admin, UsageError } from "./config.mjs";
import { printJson, printObject, printTable } from "./output.mjs";

async function allPages(connection, route) {
  const items = [];
  let page;
  do {
    const result = await admin(connection, "GET", `${route}?limit=100${page ? `&page=${encodeURIComponent(page)}` : ""}`);
    items.push(...result.data);
    page = result.next_page;
  } while (page);
  return items;
}

const keyColumns = [
  ["id", (k) => k.id],
  ["name", (k) => k.name],
  ["hint", (k) => k.partial_key_hint],
  ["created", (k) => k.created_at],
  ["revoked", (k) => k.revoked_at ?? ""],
];

export const workspaceCommands = {
  list: {
    usage: "workspaces list",
    run: async ({ connection, flags }) => {
      const items = await allPages(connection, "/workspaces");
      if (flags.json) return printJson(items);
      printTable(items, [["id", (w) => w.id], ["name", (w) => w.name], ["created", (w) => w.created_at]]);
    },
  },
  create: {
    usage: "workspaces create <name> [--no-api-key]",
    options: { "no-api-key": { type: "boolean" } },
    run: async ({ connection, flags, args: [name] }) => {
      const workspace = await admin(connection, "POST", "/workspaces", { name: required(name, "name"), create_api_key: !flags["no-api-key"] });
      if (flags.json) return printJson(workspace);
      console.log(`workspace ${workspace.id} (${workspace.name})`);
      if (workspace.api_key) console.log(`api key   ${workspace.api_key.key}   (shown once: keep it)`);
    },
  },
  show: {
    usage: "workspaces show <workspace_id>",
    run: async ({ connection, flags, args: [id] }) => printObject(await admin(connection, "GET", `/workspaces/${required(id, "workspace_id")}`), flags),
  },
};

export const apiKeyCommands = {
  list: {
    usage: "api-keys list <workspace_id>",
    run: async ({ connection, flags, args: [workspace] }) => {
      const items = await allPages(connection, `/workspaces/${required(workspace, "workspace_id")}/api_keys`);
      if (flags.json) return printJson(items);
      printTable(items, keyColumns);
    },
  },
  create: {
    usage: "api-keys create <workspace_id> [--name NAME]",
    options: { name: { type: "string" } },
    run: async ({ connection, flags, args: [workspace] }) => {
      const key = await admin(connection, "POST", `/workspaces/${required(workspace, "workspace_id")}/api_keys`, { name: flags.name ?? "cli" });
      if (flags.json) return printJson(key);
      console.log(`api key ${key.id} (${key.name}): ${key.key}   (shown once: keep it)`);
    },
  },
  revoke: {
    usage: "api-keys revoke <workspace_id> <key_id>",
    run: async ({ connection, flags, args: [workspace, key] }) => {
      const revoked = await admin(connection, "POST", `/workspaces/${required(workspace, "workspace_id")}/api_keys/${required(key, "key_id")}/revoke`);
      if (flags.json) return printJson(revoked);
      console.log(`revoked ${revoked.id} at ${revoked.revoked_at}`);
    },
  },
};

export function required(value, name) {
  if (!value) throw new UsageError(`missing <${name}>`);
  return value;
}
