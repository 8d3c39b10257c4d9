#!/usr/bin/env node
// `npx managed-agents ...`: the operator's CLI. Talks only to the public API (through the official SDK) and the
// admin API (fetch, Bearer ADMIN_TOKEN), against the local stack by default or any deployment with --url.
import { parseArgs } from "node:util";
import { resolveConnection, UsageError } from "./config.mjs";
import { apiKeyCommands, workspaceCommands } from "./admin-commands.mjs";
import { environmentKeyCommands, sessionCommands, usageCommand } from "./workspace-commands.mjs";
import { runTunnelCli } from "../bin/tunnel-connector.mjs";

const globalOptions = {
  url: { type: "string" },
  "api-key": { type: "string" },
  "admin-token": { type: "string" },
  credentials: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

const groups = {
  workspaces: workspaceCommands,
  "api-keys": apiKeyCommands,
  "env-keys": environmentKeyCommands,
  sessions: sessionCommands,
};

const help = `managed-agents: manage a Managed Agents backend from a terminal

Usage: managed-agents <command> [arguments] [options]

Admin API (needs the ADMIN_TOKEN):
${[...Object.values(workspaceCommands), ...Object.values(apiKeyCommands)].map((c) => `  ${c.usage}`).join("\n")}
  usage --workspace <workspace_id>   (a workspace's usage and limits)

Public API (needs a workspace API key):
${[...Object.values(environmentKeyCommands), ...Object.values(sessionCommands), usageCommand].map((c) => `  ${c.usage}`).join("\n")}

MCP tunnel connector (run inside the private network; its own options: managed-agents tunnel --help):
  tunnel --url URL --token TUNNEL_TOKEN --target https://mcp.internal:8443

Options:
  --url URL            the server (env MA_BASE_URL; default: .local/credentials.json's, else http://127.0.0.1:$PORT)
  --api-key KEY        a workspace API key (env MA_API_KEY; default: .local/credentials.json's)
  --admin-token TOKEN  the operator's token (env MA_ADMIN_TOKEN or ADMIN_TOKEN; default: .dev.vars')
  --credentials FILE   another credentials file than .local/credentials.json
  --json               machine-readable output
  -h, --help           this help
`;

function findCommand(positionals) {
  const [first, second, ...rest] = positionals;
  if (first === "usage") return { command: usageCommand, args: [second, ...rest].filter((a) => a !== undefined) };
  const group = groups[first];
  if (!group) return undefined;
  const command = Object.hasOwn(group, second ?? "") ? group[second] : undefined;
  return command && { command, args: rest };
}

async function main(argv) {
  if (argv[0] === "tunnel") return runTunnelCli(argv.slice(1));
  // First pass: find the command (unknown flags tolerated), then parse strictly with that command's options.
  const loose = parseArgs({ args: argv, options: globalOptions, allowPositionals: true, strict: false });
  const found = findCommand(loose.positionals);
  if (!found) {
    if (loose.values.help || loose.positionals.length === 0) return console.log(help);
    throw new UsageError(`unknown command: ${loose.positionals.slice(0, 2).join(" ")}`);
  }
  const { values: flags, positionals } = parseArgs({
    args: argv,
    options: { ...globalOptions, ...found.command.options },
    allowPositionals: true,
    strict: true,
  });
  if (flags.help) return console.log(`Usage: managed-agents ${found.command.usage}`);
  const args = positionals.slice(found.command === usageCommand ? 1 : 2);
  await found.command.run({ connection: resolveConnection(flags), flags, args });
}

main(process.argv.slice(2)).catch((err) => {
  const usage = err instanceof UsageError || err.code?.startsWith?.("ERR_PARSE_ARGS");
  // fetch and the SDK say only "fetch failed" / "Connection error."; the socket-level cause says which.
  const cause = err.cause?.code ?? err.cause?.cause?.code ?? err.cause?.message;
  console.error(`managed-agents: ${err.message}${cause ? ` (${cause})` : ""}${usage ? "\n(managed-agents --help lists the commands)" : ""}`);
  process.exit(usage ? 2 : 1);
});
