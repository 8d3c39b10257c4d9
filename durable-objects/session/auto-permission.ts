import type {
  BetaManagedAgentsAgentAutoEvaluatedPermission,
  BetaManagedAgentsAgentToolEvaluation,
} from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { isWithin, normalizePath } from "../../src/hands/toolset/paths";
import { judgeCommand, SYSTEM_ROOTS, WORKSPACE_ROOTS } from "./auto-permission-bash";

/**
 * The `auto` permission policy's judge (`BetaManagedAgentsAutoPolicy`: "the server decides each tool call
 * individually"). The hosted API judges with a model; this server uses a small, fixed rule set instead, so
 * the same call always gets the same verdict and an operator can read exactly why. It allows only what is
 * provably read-only or confined to the workspace; everything it cannot prove asks:
 *
 * | call | verdict |
 * | --- | --- |
 * | `read`, `glob`, `grep`, `web_search`, `web_fetch` (read-only; web_fetch keeps its own domain rules) | allow |
 * | `write` / `edit` inside the workspace (a relative path, `/workspace`, `/tmp`, `/mnt/session/outputs`, a memory mount under `/mnt/memory`) | allow |
 * | `write` / `edit` into a system directory (`/etc`, `/usr`, `/bin`, `/boot`, `/dev`, `/proc`, `/sys`...) | deny (`high_risk`) |
 * | `write` / `edit` anywhere else (outside the workspace) | ask (`indeterminate`) |
 * | `bash`, parsed with just-bash's shell parser (auto-permission-bash.ts), where every command is a literal name from the read-only list (`ls cat head tail wc grep rg find pwd echo printf test diff cut tr sort jq stat du df`... minus the options that write or run: `find -delete/-exec`, `sort -o`, `rg --pre`), `mkdir touch cp mv tee` whose every path is in the workspace, or `cd` into the workspace; output redirections only into the workspace or `/dev/null` | allow |
 * | `bash` that destroys on its face (`rm -r` of `/`, `/*`, `~`, `--no-preserve-root`, `mkfs`, `dd of=/dev/…`, a fork bomb, shutdown/reboot, `chmod -R` of `/`, a redirection into a system directory), also behind `sudo` | deny (`high_risk`) |
 * | any other `bash`: any other program (`rm`, `sh`, `python3`, `curl`, `git`, `npm`...), any expansion whose value is only known at run time (`$x`, `$(…)`, `<(…)`, `$((…))`), `VAR=… cmd`, background jobs, function definitions, a redirection outside the workspace, or a command the parser rejects | ask (`indeterminate`) |
 * | an MCP tool whose name starts with a read-only verb (`get`, `list`, `read`, `search`, `find`, `fetch`, `query`, `describe`, `show`, `view`) | allow |
 * | any other MCP tool, or an unknown built-in | ask (`indeterminate`) |
 *
 * Paths are judged as written: relative ones against `/workspace`, symlinks not followed. `ask` holds the call for
 * a `user.tool_confirmation` exactly as `always_ask` does; `deny` never runs it: the server appends an error tool
 * result that says why. Nothing here is configurable.
 */
export type Judgement = BetaManagedAgentsAgentAutoEvaluatedPermission;

const ALLOW: Judgement = { type: "allow" };
const ASK: Judgement = { type: "ask", reason_code: "indeterminate" };
const DENY: Judgement = { type: "deny", reason_code: "high_risk" };
const VERDICTS = { allow: ALLOW, ask: ASK, deny: DENY };

const READ_ONLY_TOOLS = new Set(["read", "glob", "grep", "web_search", "web_fetch"]);
const READ_ONLY_VERB = /^(get|list|read|search|find|fetch|query|describe|show|view)([_\-.A-Z]|$)/;

/** The judge's verdict on one call (see the table above). */
export function judge(kind: "builtin" | "mcp", name: string, input: Record<string, unknown>): Judgement {
  if (kind === "mcp") return READ_ONLY_VERB.test(name) ? ALLOW : ASK;
  if (READ_ONLY_TOOLS.has(name)) return ALLOW;
  if (name === "write" || name === "edit") return judgePath(typeof input.file_path === "string" ? input.file_path : "");
  if (name === "bash") return typeof input.command === "string" ? VERDICTS[judgeCommand(input.command)] : ALLOW; // `restart` runs nothing
  return ASK;
}

function judgePath(path: string): Judgement {
  if (!path) return ALLOW; // The tool itself rejects a missing path; there is nothing to protect.
  if (!path.startsWith("/") && !path.startsWith("~")) return normalizePath(`/workspace/${path}`).startsWith("/workspace/") ? ALLOW : ASK;
  const absolute = normalizePath(path.replace(/^~/, "/root"));
  if (under(absolute, SYSTEM_ROOTS)) return DENY;
  return under(absolute, WORKSPACE_ROOTS) ? ALLOW : ASK;
}

const under = (path: string, roots: string[]) => roots.some((root) => isWithin(root, path));

/** The event fields a resolved policy produces for one call: `evaluated_permission` and `evaluation`. */
export function evaluatePermission(
  policy: "always_allow" | "always_ask" | "auto",
  kind: "builtin" | "mcp",
  name: string,
  input: Record<string, unknown>,
): { evaluated_permission: "allow" | "ask" | "deny"; evaluation: BetaManagedAgentsAgentToolEvaluation } {
  if (policy === "always_allow") return { evaluated_permission: "allow", evaluation: { type: "always_allow" } };
  if (policy === "always_ask") return { evaluated_permission: "ask", evaluation: { type: "always_ask" } };
  const verdict = judge(kind, name, input);
  return { evaluated_permission: verdict.type, evaluation: { type: "auto", evaluated_permission: verdict } };
}

/** The error result text of a call the judge denied. */
export const denialText = (name: string) =>
  `Permission denied: the auto permission policy judged this ${name} call high-risk, so it was not run. ` +
  "Choose a safer approach, or ask the user to allow it (a tool with the always_ask policy lets them confirm it).";
