import type {
  BetaManagedAgentsAgentAutoEvaluatedPermission,
  BetaManagedAgentsAgentToolEvaluation,
} from "@anthropic-ai/sdk/resources/beta/sessions/events";
import { isWithin, normalizePath } from "../../src/hands/toolset/paths";

/**
 * The `auto` permission policy's judge (`BetaManagedAgentsAutoPolicy`: "the server decides each tool call
 * individually"). The hosted API judges with a model; this server uses a small, fixed rule set instead, so
 * the same call always gets the same verdict and an operator can read exactly why:
 *
 * | call | verdict |
 * | --- | --- |
 * | `read`, `glob`, `grep`, `web_search`, `web_fetch` (read-only; web_fetch keeps its own domain rules) | allow |
 * | `write` / `edit` inside the workspace (a relative path, `/workspace`, `/tmp`, `/mnt/session/outputs`) | allow |
 * | `write` / `edit` into a system directory (`/etc`, `/usr`, `/bin`, `/boot`, `/dev`, `/proc`, `/sys`...) | deny (`high_risk`) |
 * | `write` / `edit` anywhere else (outside the workspace) | ask (`indeterminate`) |
 * | `bash` with a clearly destructive pattern (`rm -rf /`, `mkfs`, `dd of=/dev/…`, a fork bomb, shutdown, a redirect into a system directory) | deny (`high_risk`) |
 * | `bash` with a risky pattern (`rm -r`, `sudo`, `curl … \| sh`, `git push --force`, `chmod -R`, a redirect outside the workspace) | ask (`indeterminate`) |
 * | any other `bash` command | allow |
 * | an MCP tool whose name starts with a read-only verb (`get`, `list`, `read`, `search`, `find`, `fetch`, `query`, `describe`, `show`, `view`) | allow |
 * | any other MCP tool, or an unknown built-in | ask (`indeterminate`) |
 *
 * `ask` holds the call for a `user.tool_confirmation` exactly as `always_ask` does; `deny` never runs it:
 * the server appends an error tool result that says why. Nothing here is configurable.
 */
export type Judgement = BetaManagedAgentsAgentAutoEvaluatedPermission;

const ALLOW: Judgement = { type: "allow" };
const ASK: Judgement = { type: "ask", reason_code: "indeterminate" };
const DENY: Judgement = { type: "deny", reason_code: "high_risk" };

const READ_ONLY_TOOLS = new Set(["read", "glob", "grep", "web_search", "web_fetch"]);
const WORKSPACE_ROOTS = ["/workspace", "/tmp", "/mnt/session/outputs"];
const SYSTEM_ROOTS = ["/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/boot", "/dev", "/proc", "/sys", "/root", "/var/lib", "/opt"];
const READ_ONLY_VERB = /^(get|list|read|search|find|fetch|query|describe|show|view)([_\-.A-Z]|$)/;

const DESTRUCTIVE: RegExp[] = [
  // rm -rf aimed at the root, home, or everything (`/`, `/*`, `~`, `$HOME`, `.` at the root).
  /\brm\s+(-[a-zA-Z]*\s+)*-[a-zA-Z]*[rR][a-zA-Z]*\s+(-[a-zA-Z-]+\s+)*(--no-preserve-root\s+)?("?\/\*?"?|~\/?|\$HOME\/?|\/\s*\*)(\s|;|&|\||$)/,
  /--no-preserve-root/,
  /\bmkfs(\.\w+)?\b/,
  /\bdd\b[^;&|]*\bof=\/dev\//,
  /:\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:/,
  /\b(shutdown|reboot|halt|poweroff)\b/,
  /\bchmod\s+(-[a-zA-Z]*\s+)*-?[a-zA-Z]*R[a-zA-Z]*\s+[0-7]{3,4}\s+\/(\s|$)/,
  />\s*\/dev\/(sd|nvme|hd|vd)[a-z0-9]*/,
];

const RISKY: RegExp[] = [
  /\brm\s+(-[a-zA-Z]*\s+)*-[a-zA-Z]*[rR]/,
  /\bsudo\b|\bdoas\b/,
  /\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(ba|z|da)?sh\b/,
  /\bgit\s+push\b[^;&|]*(--force|-f\b|--mirror|--delete)/,
  /\bgit\s+(reset\s+--hard|clean\s+-[a-zA-Z]*f)/,
  /\b(chmod|chown)\s+(-[a-zA-Z]*\s+)*-[a-zA-Z]*R/,
  /\bkill(all)?\s+-9\b|\bpkill\b/,
  /\b(apt(-get)?|yum|dnf|apk)\s+(remove|purge)\b/,
  /\bcrontab\b|\bsystemctl\b/,
];

/** The judge's verdict on one call (see the table above). */
export function judge(kind: "builtin" | "mcp", name: string, input: Record<string, unknown>): Judgement {
  if (kind === "mcp") return READ_ONLY_VERB.test(name) ? ALLOW : ASK;
  if (READ_ONLY_TOOLS.has(name)) return ALLOW;
  if (name === "write" || name === "edit") return judgePath(typeof input.file_path === "string" ? input.file_path : "");
  if (name === "bash") return judgeCommand(typeof input.command === "string" ? input.command : "");
  return ASK;
}

function judgePath(path: string): Judgement {
  if (!path) return ALLOW; // The tool itself rejects a missing path; there is nothing to protect.
  if (!path.startsWith("/") && !path.startsWith("~")) return normalizePath(`/workspace/${path}`).startsWith("/workspace/") ? ALLOW : ASK;
  const absolute = normalizePath(path.replace(/^~/, "/root"));
  if (under(absolute, SYSTEM_ROOTS)) return DENY;
  return under(absolute, WORKSPACE_ROOTS) ? ALLOW : ASK;
}

function judgeCommand(command: string): Judgement {
  if (DESTRUCTIVE.some((p) => p.test(command))) return DENY;
  const targets = [...command.matchAll(/(?:>>?|\btee\s+(?:-a\s+)?)\s*("?)(\/[^\s"';&|]*)\1/g)].map((m) => normalizePath(m[2]));
  const writes = targets.filter((t) => t !== "/dev/null" && t !== "/dev/stdout" && t !== "/dev/stderr");
  if (writes.some((t) => under(t, SYSTEM_ROOTS))) return DENY;
  if (RISKY.some((p) => p.test(command))) return ASK;
  if (writes.some((t) => !under(t, WORKSPACE_ROOTS))) return ASK;
  return ALLOW;
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
