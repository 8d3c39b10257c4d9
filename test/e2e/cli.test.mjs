// The operator CLI (cli/managed-agents.mjs) as a user runs it, against wrangler dev: a second tenant from nothing,
// its keys, a session driven and watched from the terminal. Plain JS: it spawns the CLI as a child process.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, describe, expect, inject, it } from "vitest";

const baseURL = inject("baseURL");
const adminToken = inject("adminToken");
const bin = path.resolve(import.meta.dirname, "../../cli/managed-agents.mjs");
const scratch = mkdtempSync(path.join(tmpdir(), "ma-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the CLI with only what a user on another machine would have: flags, no local credentials file. */
async function cli(args, { apiKey } = {}) {
  const flags = ["--url", baseURL, "--admin-token", adminToken, "--credentials", path.join(scratch, "none.json")];
  if (apiKey) flags.push("--api-key", apiKey);
  const env = { ...process.env, MA_API_KEY: "", MA_ADMIN_TOKEN: "", MA_BASE_URL: "" };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args, ...flags], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const json = async (args, options) => {
  const result = await cli([...args, "--json"], options);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
};

describe("npx managed-agents", () => {
  let workspace;
  let apiKey;
  let sessionId;

  it("refuses unknown commands and flags with a usage error", async () => {
    expect((await cli(["--help"])).stdout).toContain("sessions tail <session_id>");
    const unknownFlag = await cli(["workspaces", "list", "--frobnicate"]);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("--frobnicate");
    expect((await cli(["teleport"])).code).toBe(2);
  });

  it("creates, lists and shows a workspace, with its first API key", async () => {
    workspace = await json(["workspaces", "create", "cli-tenant"]);
    expect(workspace.api_key.key).toMatch(/^sk-ma-/);
    apiKey = workspace.api_key.key;
    const listed = await json(["workspaces", "list"]);
    expect(listed.map((w) => w.id)).toContain(workspace.id);
    expect((await cli(["workspaces", "show", workspace.id])).stdout).toContain("cli-tenant");
  });

  it("creates, lists and revokes API keys; a revoked key stops working", async () => {
    const key = await json(["api-keys", "create", workspace.id, "--name", "ci"]);
    const table = (await cli(["api-keys", "list", workspace.id])).stdout;
    expect(table).toContain(key.id);
    expect(table).not.toContain(key.key); // prefixes only
    expect((await cli(["sessions", "list"], { apiKey: key.key })).code).toBe(0);
    await json(["api-keys", "revoke", workspace.id, key.id]);
    const refused = await cli(["sessions", "list"], { apiKey: key.key });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/401|authentication/i);
  });

  it("manages an environment's keys", async () => {
    const client = new Anthropic({ baseURL, apiKey, maxRetries: 0, logLevel: "off" });
    const environment = await client.beta.environments.create({ name: "cli-env", config: { type: "self_hosted" } });
    const key = await json(["env-keys", "create", environment.id, "--name", "worker-1"], { apiKey });
    expect(key.key).toBeTruthy();
    expect((await json(["env-keys", "list", environment.id], { apiKey })).map((k) => k.id)).toContain(key.id);
    expect((await json(["env-keys", "revoke", environment.id, key.id], { apiKey })).revoked_at).toBeTruthy();
  });

  it("sends a message, tails the session live until idle, and resumes the tail after an event", async () => {
    const client = new Anthropic({ baseURL, apiKey, maxRetries: 0, logLevel: "off" });
    const environment = await client.beta.environments.create({ name: "cli-cloud", config: { type: "cloud" } });
    const agent = await client.beta.agents.create({ name: "cli-agent", model: "claude-sonnet-4-6" });
    sessionId = (await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id })).id;

    // The tail starts first and must see the turn happen live.
    const tail = spawn(process.execPath, [bin, "sessions", "tail", sessionId, "--until-idle", "--json", "--url", baseURL, "--api-key", apiKey]);
    let out = "";
    tail.stdout.on("data", (chunk) => (out += chunk));
    const tailExit = new Promise((resolve) => tail.on("exit", resolve));
    // The tail says on stderr when its stream is open; only then is the turn sure to happen while it listens.
    await new Promise((resolve, reject) => {
      let err = "";
      tail.stderr.on("data", (chunk) => {
        err += chunk;
        if (err.includes("following")) resolve(undefined);
      });
      tail.on("exit", (code) => reject(new Error(`tail exited (${code}) before following: ${err}`)));
    });
    const sent = await cli(["sessions", "send", sessionId, "hello", "from", "the", "cli"], { apiKey });
    expect(sent.code, sent.stderr).toBe(0);
    expect(await tailExit).toBe(0);
    const live = out.trim().split("\n").map((line) => JSON.parse(line));
    expect(live.map((e) => e.type)).toContain("user.message");
    expect(live.map((e) => e.type)).toContain("agent.message");
    expect(live.at(-1).type).toBe("session.status_idle");

    // Resumed after the user's message: everything after it, nothing before.
    const userMessage = live.find((e) => e.type === "user.message");
    const again = await cli(["sessions", "tail", sessionId, "--after", userMessage.id, "--until-idle", "--json"], { apiKey });
    const after = again.stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(after.map((e) => e.id)).not.toContain(userMessage.id);
    expect(after[0].id).toBe(live[live.indexOf(userMessage) + 1].id);

    // Without --json, one line per event; the turn's usage snapshot reads as totals and list cost.
    const plain = await cli(["sessions", "tail", sessionId, "--after", userMessage.id, "--until-idle"], { apiKey });
    expect(plain.stdout).toMatch(/ session\.usage \d+ in \/ \d+ out, \d+\.\d\d USD\n/);
  });

  it("lists sessions with their status and usage, exports the events as JSONL, and sums usage", async () => {
    const table = (await cli(["sessions", "list"], { apiKey })).stdout;
    expect(table).toMatch(/STATUS/);
    expect(table).toContain(sessionId);
    expect(table).toMatch(/idle/);
    expect(table).toMatch(/\d+ in \/ \d+ out/);

    const file = path.join(scratch, "events.jsonl");
    const exported = await cli(["sessions", "export", sessionId, "--out", file], { apiKey });
    expect(exported.code, exported.stderr).toBe(0);
    const lines = readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    const client = new Anthropic({ baseURL, apiKey, maxRetries: 0, logLevel: "off" });
    const listed = [];
    for await (const event of client.beta.sessions.events.list(sessionId)) listed.push(event.id);
    expect(lines.map((e) => e.id)).toEqual(listed);

    const usage = await json(["usage"], { apiKey });
    expect(usage.sessions).toBe(1);
    expect(usage.input_tokens).toBeGreaterThan(0);

    // The operator's view of the same workspace, through the admin API.
    const limits = await json(["usage", "--workspace", workspace.id]);
    expect(limits.workspace_id).toBe(workspace.id);
    expect(limits.usage).toBeTruthy();
    expect((await cli(["usage", "--workspace", workspace.id])).stdout).toMatch(/NAME\s+USAGE\s+LIMIT/);
  });
});
