import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { toFile } from "@anthropic-ai/sdk";
import { newTenant } from "./helpers/client";
import { createEnvironment } from "./helpers/hands";
import { newId } from "../src/lib/ids";
import type { ToolResultEvent } from "../src/hands/toolset";

/**
 * Patterns from the model or a user run in linear time (issue 14): each of these took seconds to minutes on the
 * shared isolate with a backtracking RegExp. Every case must finish well inside the budget below.
 */
const BUDGET_MS = 3_000;

async function sandboxTool() {
  const { workspaceId, client } = await newTenant();
  const environmentId = await createEnvironment(client, { type: "cloud" });
  const sessionId = newId("sesn");
  const stub = env.SANDBOXES.get(env.SANDBOXES.idFromName(sessionId));
  return (name: string, input: unknown) => stub.runTool({ workspaceId, sessionId, environmentId }, { id: newId("sevt"), name, input });
}

const text = (result: ToolResultEvent) => result.content.map((c) => c.text).join("");

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  const value = await run();
  return { value, ms: Date.now() - start };
}

describe("hostile patterns run in linear time", () => {
  it("grep: ^(a+)+$ against a line of a's", async () => {
    const tool = await sandboxTool();
    await tool("write", { file_path: "a.txt", content: `${"a".repeat(1_500)}!\n` });
    const { value, ms } = await timed(() => tool("grep", { pattern: "^(a+)+$" }));
    expect(text(value)).toBe("no matches");
    expect(ms).toBeLessThan(BUDGET_MS);
    // Still a regex engine: alternation, classes, anchors.
    expect(text(await tool("grep", { pattern: "^a{3}[a]+!$" }))).toMatch(/^\/workspace\/a\.txt:1:/);
    expect(text(await tool("grep", { pattern: "(a)\\1" }))).toMatch(/^grep: invalid regex: .*linear-time/);
  });

  it("glob: eight stars against a long name", async () => {
    const tool = await sandboxTool();
    await tool("write", { file_path: `${"a".repeat(200)}`, content: "x" });
    await tool("write", { file_path: "src/x.ts", content: "x" });
    const { value, ms } = await timed(() => tool("glob", { pattern: `${"*a".repeat(8)}b` }));
    expect(text(value)).toBe("no matches");
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(text(await tool("glob", { pattern: "**/*.{ts,js}" }))).toBe("/workspace/src/x.ts");
    expect(text(await tool("glob", { pattern: "src/[!y].ts" }))).toBe("/workspace/src/x.ts");
  });

  it("bash: ls with an unexpanded glob (just-bash matches it with minimatch, a backtracking RegExp)", async () => {
    const tool = await sandboxTool();
    await tool("bash", { command: `touch ${"a".repeat(60)} b.txt` });
    const { value, ms } = await timed(() => tool("bash", { command: `ls '${"*a".repeat(10)}b'; echo done` }));
    expect(text(value)).toContain("No such file or directory");
    expect(text(value)).toContain("done");
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(text(await tool("bash", { command: "ls '*.txt'" }))).toBe("b.txt");
  });

  it("bash: grep, sed, awk, find -regex and [[ =~ ]] inside just-bash", async () => {
    const tool = await sandboxTool();
    await tool("write", { file_path: "a.txt", content: `${"a".repeat(40)}!\n` });
    const command = [
      "grep -E '^(a+)+$' a.txt",
      "sed -E 's/^(a+)+$/x/' a.txt >/dev/null",
      "awk '/^(a+)+$/' a.txt",
      "find . -regex '^(a+)+$'",
      `[[ ${"a".repeat(40)}! =~ ^(a+)+$ ]]`,
      "echo done",
    ].join("; ");
    const { value, ms } = await timed(() => tool("bash", { command }));
    expect(text(value)).toBe("done");
    expect(ms).toBeLessThan(BUDGET_MS);
  });

  it("skills: SKILL.md front matter is parsed in one pass", async () => {
    const { client } = await newTenant();
    const md = `---\nname: spaced\ndescription: d\nmetadata: a${"\t ".repeat(100_000)}b\n---\n# body\n`;
    const { value: skill, ms } = await timed(async () =>
      client.beta.skills.create({ files: [await toFile(new TextEncoder().encode(md), "spaced/SKILL.md")] }),
    );
    expect(skill.display_name).toBe("spaced");
    expect(ms).toBeLessThan(BUDGET_MS);
  });
});
