import { Bash } from "just-bash/browser";
import type { SimpleCommandNode, WordNode } from "just-bash";
import { isWithin, normalizePath } from "../../src/hands/toolset/paths";

/**
 * The `auto` policy's judge of a `bash` command. The command is parsed with just-bash's shell parser (the one
 * that runs it in the isolate sandbox), never matched as text: quoting (`"r"m`), expansions (`$x`, `$(printf rm)`)
 * and pipelines into an interpreter (`| base64 -d | sh`) are seen for what they are. A command is allowed only
 * when every part of it is provably read-only or writes only inside the workspace; anything the judge cannot
 * prove asks. What each verdict covers is listed in auto-permission.ts.
 */
export type Verdict = "allow" | "ask" | "deny";

/** Paths a confined write may touch. Relative paths are judged against /workspace (see `cd` below). */
// The session's memory mounts count: the agent is meant to keep its memories there with the same file tools, and a
// read_only mount refuses writes by itself, whatever the judge says.
export const WORKSPACE_ROOTS = ["/workspace", "/tmp", "/mnt/session/outputs", "/mnt/memory"];
export const SYSTEM_ROOTS = ["/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/boot", "/dev", "/proc", "/sys", "/root", "/var/lib", "/opt"];

/** Commands that read and print, whatever their arguments, except the listed options (which write or execute). */
const READ_ONLY: Record<string, string[]> = Object.fromEntries(
  [
    ..."ls cat head tail wc grep egrep fgrep pwd echo printf true false test [ basename dirname realpath readlink stat file".split(" "),
    ..."du df which whoami id uname cut tr diff cmp nl tac rev seq jq base64 sha1sum sha256sum md5sum column comm join paste".split(" "),
    ..."fold expand unexpand od hexdump strings printenv".split(" "),
  ]
    .map((name): [string, string[]] => [name, []])
    .concat([
      ["rg", ["--pre"]],
      ["sort", ["-o", "--output"]],
      ["tree", ["-o"]],
      ["date", ["-s", "--set"]],
      ["find", ["-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprint0", "-fprintf", "-fls"]],
    ]),
);
/** Commands that write only their path arguments, all of which must be confined to the workspace. */
const CONFINED_WRITERS = new Set(["mkdir", "touch", "cp", "mv", "tee"]);
const HARMLESS_TARGETS = new Set(["/dev/null", "/dev/stdout", "/dev/stderr"]);
const OUTPUT_REDIRECTS = new Set([">", ">>", ">|", "&>", "&>>", "<>"]);
const POWER = /^(mkfs(\..+)?|shutdown|reboot|halt|poweroff)$/;

let parser: Bash | undefined;

export function judgeCommand(command: string): Verdict {
  let ast: unknown;
  try {
    ast = (parser ??= new Bash()).transform(command).ast;
  } catch {
    return "ask"; // Not a command the parser understands: nothing can be proven about it.
  }
  const verdicts = new Set<Verdict>();
  walk(ast, verdicts, new Set());
  return verdicts.has("deny") ? "deny" : verdicts.has("ask") ? "ask" : "allow";
}

type Node = { type?: string; [key: string]: unknown };

/** Visits every node of the AST (expansions nested in words and here-documents included). */
function walk(node: unknown, out: Set<Verdict>, functions: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, out, functions);
    return;
  }
  if (!node || typeof node !== "object") return;
  const n = node as Node;
  switch (n.type) {
    case "Statement":
      if (n.background || n.deferredError) out.add("ask");
      break;
    case "SimpleCommand":
      out.add(judgeSimple(n as unknown as SimpleCommandNode, functions));
      break;
    case "Redirection":
      out.add(judgeRedirection(n));
      break;
    case "FunctionDef": {
      // Defining a function is harmless; one that calls itself in a pipeline is a fork bomb.
      const name = n.name as string;
      const inner = new Set(functions).add(name);
      walk(n.body, out, inner);
      walk(n.redirections, out, inner);
      out.add("ask");
      return;
    }
    case "ParameterExpansion":
    case "CommandSubstitution":
    case "ProcessSubstitution":
    case "ArithmeticExpansion":
      // The value is only known when it runs: `$x -rf ~` with x=rm, `$(printf rm)`.
      out.add("ask");
      break;
  }
  for (const [key, value] of Object.entries(n)) if (key !== "type") walk(value, out, functions);
}

function judgeSimple(cmd: SimpleCommandNode, functions: Set<string>): Verdict {
  if (!cmd.name) return cmd.assignments.length ? "ask" : "allow"; // `x=1` changes what later words mean
  const name = literal(cmd.name);
  const args = cmd.args.map(display);
  if (name !== undefined && functions.has(name)) return "deny"; // recursion inside its own definition
  if (name === undefined) return "ask";
  const denied = destructive(name, args);
  if (denied) return "deny";
  // `FOO=1 cmd` can be LD_PRELOAD or PATH.
  if (cmd.assignments.length) return "ask";
  if (name === "cd") return cmd.args.length === 1 && confined(literal(cmd.args[0])) ? "allow" : "ask";
  if (Object.hasOwn(READ_ONLY, name)) {
    const refused = READ_ONLY[name];
    if (name === "find" && !cmd.args.every((a) => literal(a) !== undefined)) return "ask"; // a glob can expand to `-delete`
    return args.some((a) => refused.some((flag) => a === flag || a.startsWith(`${flag}=`) || (flag.length === 2 && a.startsWith(flag))))
      ? "ask"
      : "allow";
  }
  if (CONFINED_WRITERS.has(name)) {
    const paths = cmd.args.map(literal).filter((a) => a === undefined || !a.startsWith("-"));
    return paths.length && paths.every(confined) ? "allow" : "ask";
  }
  return "ask";
}

/** `rm -rf /` and its kin, `dd of=/dev/…`, `mkfs`, power commands; through `sudo`/`doas` too. */
function destructive(name: string, args: string[]): boolean {
  if (name === "sudo" || name === "doas") {
    const start = args.findIndex((a) => !a.startsWith("-"));
    return start >= 0 && destructive(args[start], args.slice(start + 1));
  }
  if (POWER.test(name)) return true;
  const recursive = args.some((a) => /^-[a-zA-Z]*[rR]/.test(a) || a === "--recursive");
  const atRoot = args.some((a) => ["/", "/*", "~", "~/", "~/*", "$HOME", "$HOME/", "$HOME/*"].includes(a));
  if (name === "rm") return args.includes("--no-preserve-root") || (recursive && atRoot);
  if (name === "chmod" || name === "chown") return recursive && atRoot;
  if (name === "dd") return args.some((a) => a.startsWith("of=/dev/"));
  return false;
}

function judgeRedirection(r: Node): Verdict {
  const operator = r.operator as string;
  const target = r.target as Node;
  if (target.type !== "Word") return "allow"; // a here-document: its expansions are walked like any word
  const word = target as unknown as WordNode;
  const path = literal(word);
  if (operator === ">&" || operator === "<&") return path !== undefined && /^(\d+|-)$/.test(path) ? "allow" : judgeWrite(word);
  return OUTPUT_REDIRECTS.has(operator) ? judgeWrite(word) : "allow";
}

function judgeWrite(word: WordNode): Verdict {
  const path = literal(word);
  const shown = display(word);
  if (shown.startsWith("/") && under(normalizePath(shown), SYSTEM_ROOTS) && !HARMLESS_TARGETS.has(normalizePath(shown))) return "deny";
  if (path === undefined) return "ask";
  return HARMLESS_TARGETS.has(path) || confined(path) ? "allow" : "ask";
}

/**
 * A path that stays in the workspace: relative without climbing out of /workspace, or absolute under a
 * workspace root. The shell's cwd carries over between calls; the judge allows `cd` only into the workspace, so
 * an allowed call never moves it out (a `cd` elsewhere asks, and once approved, later relative paths land there).
 */
function confined(path: string | undefined): boolean {
  if (path === undefined || path === "" || path.startsWith("~")) return false;
  const absolute = normalizePath(path.startsWith("/") ? path : `/workspace/${path}`);
  return under(absolute, WORKSPACE_ROOTS);
}

const under = (path: string, roots: string[]) => roots.some((root) => isWithin(root, path));

type Part = WordNode["parts"][number];

/** The word's value when it has no expansion at all (quotes removed), else undefined. */
function literal(word: WordNode): string | undefined {
  let text = "";
  for (const part of word.parts) {
    const value = literalPart(part);
    if (value === undefined) return undefined;
    text += value;
  }
  return text;
}

function literalPart(part: Part): string | undefined {
  if (part.type === "Literal" || part.type === "SingleQuoted" || part.type === "Escaped") return part.value;
  if (part.type === "DoubleQuoted") return literal({ type: "Word", parts: part.parts });
  return undefined;
}

/** The word as written, expansions shown by their source (`~`, `*`, `$HOME`): what the deny rules look at. */
function display(word: WordNode): string {
  return word.parts
    .map((part) => {
      const value = literalPart(part);
      if (value !== undefined) return value;
      if (part.type === "TildeExpansion") return `~${part.user ?? ""}`;
      if (part.type === "Glob") return part.pattern;
      if (part.type === "ParameterExpansion") return `$${part.parameter}`;
      return "\u0000"; // something only known at run time
    })
    .join("");
}
