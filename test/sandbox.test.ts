import { describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { newTenant } from "./helpers/client";
import { createEnvironment } from "./helpers/hands";
import { dispatchToolUses } from "../src/hands";
import { newId } from "../src/lib/ids";
import type { SandboxDurableObject } from "../durable-objects/sandbox/sandbox-durable-object";
import type { ToolResultEvent } from "../src/hands/toolset";
import { isEgressAllowed } from "../src/hands/network-policy";

/** A session of a cloud environment, and a way to run tools in its sandbox as the brain's dispatch would. */
async function session(config: Parameters<typeof createEnvironment>[1] = { type: "cloud" }) {
  const { workspaceId, client } = await newTenant();
  const environmentId = await createEnvironment(client, config);
  const sessionId = newId("sesn");
  const scope = { workspaceId, sessionId, environmentId };
  const stub = env.SANDBOXES.get(env.SANDBOXES.idFromName(sessionId));
  const tool = async (name: string, input: unknown) => stub.runTool(scope, { id: newId("sevt"), name, input });
  return { scope, stub, tool };
}

const text = (result: ToolResultEvent) => result.content.map((c) => c.text).join("");

describe("toolset on the isolate sandbox", () => {
  it("runs bash and keeps the shell's cwd and variables between calls", async () => {
    const { tool } = await session();
    const echo = await tool("bash", { command: "echo hello" });
    expect(echo).toMatchObject({ type: "user.tool_result", is_error: false, content: [{ type: "text", text: "hello" }] });
    await tool("bash", { command: "mkdir -p sub && cd sub && export GREETING=hi" });
    expect(text(await tool("bash", { command: 'pwd; echo "$GREETING"' }))).toBe("/workspace/sub\nhi");
    expect(text(await tool("bash", { command: "echo out; echo err >&2" }))).toBe("out\nerr");

    const failed = await tool("bash", { command: "echo partial; exit 3" });
    expect(failed).toMatchObject({ is_error: true, content: [{ text: "partial" }] });
    expect(text(await tool("bash", { command: "exit 4" }))).toBe("exit 4");

    expect(text(await tool("bash", { restart: true }))).toBe("bash session restarted");
    expect(text(await tool("bash", { command: "pwd" }))).toBe("/workspace");
    expect(await tool("bash", {})).toMatchObject({ is_error: true, content: [{ text: "bash: command is required" }] });

    await tool("bash", { command: "cd /tmp" });
    const slow = await tool("bash", { command: "sleep 5; echo late", timeout_ms: 200 });
    expect(slow).toMatchObject({ is_error: true, content: [{ text: "bash: bash command timed out after 200ms" }] });
    // A timed-out shell is replaced: the next call starts fresh in the workdir.
    expect(text(await tool("bash", { command: "pwd" }))).toBe("/workspace");
  });

  it("writes then reads, with view ranges, and keeps file tools inside the workdir", async () => {
    const { tool } = await session();
    expect(text(await tool("write", { file_path: "notes/a.txt", content: "one\ntwo\nthree" }))).toBe("wrote 13 bytes to notes/a.txt");
    expect(text(await tool("read", { file_path: "notes/a.txt" }))).toBe("one\ntwo\nthree");
    expect(text(await tool("read", { file_path: "/workspace/notes/a.txt", view_range: [2, 3] }))).toBe("two\nthree");
    expect(text(await tool("bash", { command: "wc -l < notes/a.txt" }))).toBe("2");

    expect(await tool("read", { file_path: "../etc/passwd" })).toMatchObject({
      is_error: true,
      content: [{ text: 'path "../etc/passwd" is outside the session\'s working directory' }],
    });
    expect(text(await tool("read", { file_path: "nope.txt" }))).toBe("read: nope.txt: no such file or directory");
    expect(text(await tool("read", { file_path: "notes" }))).toBe("read: notes is not a regular file");
    expect(text(await tool("read", { file_path: "notes/a.txt", view_range: [1] }))).toBe("read: view_range must be [start_line, end_line]");
  });

  it("edits a unique occurrence, or all of them, and refuses ambiguous edits", async () => {
    const { tool } = await session();
    await tool("write", { file_path: "app.py", content: "x = 1\ny = 1\nprint(x)\n" });
    expect(text(await tool("edit", { file_path: "app.py", old_string: "y = 1", new_string: "y = $&2" }))).toBe(
      "edited app.py (1 replacement(s))",
    );
    expect(text(await tool("read", { file_path: "app.py" }))).toBe("x = 1\ny = $&2\nprint(x)\n");
    expect(await tool("edit", { file_path: "app.py", old_string: "x", new_string: "z" })).toMatchObject({
      is_error: true,
      content: [{ text: "edit: old_string appears 2 times in app.py (must be unique)" }],
    });
    expect(text(await tool("edit", { file_path: "app.py", old_string: "x", new_string: "z", replace_all: true }))).toBe(
      "edited app.py (2 replacement(s))",
    );
    expect(text(await tool("edit", { file_path: "app.py", old_string: "missing", new_string: "" }))).toBe(
      "edit: old_string not found in app.py",
    );
  });

  it("globs newest first and skips node_modules; greps as file:line:text", async () => {
    const { tool } = await session();
    await tool("write", { file_path: "a.ts", content: "// TODO one\n" });
    await new Promise((r) => setTimeout(r, 5));
    await tool("write", { file_path: "src/b.ts", content: "const b = 1;\n// TODO two\n" });
    await tool("write", { file_path: "src/c.js", content: "todo\n" });
    await tool("write", { file_path: "node_modules/x/index.ts", content: "// TODO hidden\n" });

    expect(text(await tool("glob", { pattern: "**/*.ts" }))).toBe("/workspace/src/b.ts\n/workspace/a.ts");
    expect(text(await tool("glob", { pattern: "*.ts" }))).toBe("/workspace/a.ts");
    expect(text(await tool("glob", { pattern: "*.{js,ts}", path: "src" }))).toContain("/workspace/src/c.js");
    expect(text(await tool("glob", { pattern: "*.rs" }))).toBe("no matches");
    expect((await tool("glob", { pattern: "/etc/*" })).is_error).toBe(true);

    expect(text(await tool("grep", { pattern: "TODO" }))).toBe("/workspace/a.ts:1:// TODO one\n/workspace/src/b.ts:2:// TODO two");
    expect(text(await tool("grep", { pattern: "TODO|todo", path: "src" }))).toBe("/workspace/src/b.ts:2:// TODO two\n/workspace/src/c.js:1:todo");
    expect(text(await tool("grep", { pattern: "absent" }))).toBe("no matches");
    expect(text(await tool("grep", { pattern: "(" }))).toMatch(/^grep: invalid regex: /);
  });

  it("answers an unknown tool with an error instead of failing the batch", async () => {
    const { tool } = await session();
    expect(await tool("web_fetch", { url: "https://example.com" })).toMatchObject({ is_error: true });
  });

  it("keeps the workspace across an idle snapshot and the restore into a fresh sandbox", async () => {
    const { stub, tool, scope } = await session();
    await tool("write", { file_path: "keep/data.txt", content: "persisted" });
    await tool("bash", { command: "printf 'bin\\x00ary' > keep/blob.bin && ln -s data.txt keep/link" });

    const handle = await stub.snapshot();
    expect(handle).toMatchObject({ backend: "isolate" });
    const key = (handle as { key: string }).key;
    expect(key.startsWith(`sandboxes/${scope.workspaceId}/${scope.sessionId}/`)).toBe(true);
    expect(await env.BLOBS.head(key)).not.toBeNull();
    // The sandbox is really gone: no file is left in the object's storage.
    const left = await runInDurableObject(stub, (_, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM fs_nodes WHERE path != '/'").one().n);
    expect(left).toBe(0);

    expect(text(await tool("read", { file_path: "keep/data.txt" }))).toBe("persisted");
    // Bytes survive as bytes, NUL included, and the symlink as a symlink.
    expect(text(await tool("bash", { command: "cat keep/link; wc -c < keep/blob.bin; od -c keep/blob.bin | head -1" }))).toMatch(
      /^persisted7\n0000000\s+b\s+i\s+n\s+\\0\s+a\s+r\s+y$/,
    );

    // A second snapshot replaces the first in R2.
    const second = await stub.snapshot();
    expect(await env.BLOBS.head(key)).toBeNull();
    expect(await env.BLOBS.head((second as { key: string }).key)).not.toBeNull();
  });

  it("snapshots by alarm once the session has been idle long enough", async () => {
    const { stub, tool } = await session();
    await tool("write", { file_path: "x.txt", content: "x" });
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO sandbox_meta (key, value) VALUES ('last_activity', '0')");
    });
    await stub.runToolUses({ ...(await scopeOf(stub)), toolUses: [] });
    await runDurableObjectAlarm(stub);
    let meta: Record<string, string> = {};
    for (let i = 0; i < 100; i++) {
      meta = await runInDurableObject(stub, (_, state) =>
        Object.fromEntries(
          state.storage.sql.exec<{ key: string; value: string }>("SELECT key, value FROM sandbox_meta").toArray().map((r) => [r.key, r.value]),
        ),
      );
      if (meta.latest_backup) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(meta.provisioned).toBeUndefined();
    expect(JSON.parse(meta.latest_backup)).toMatchObject({ backend: "isolate" });
  });

  it("applies the environment's network policy to curl", async () => {
    const { tool } = await session({ type: "cloud", networking: { type: "limited", allowed_hosts: ["api.example.com"] } });
    const blocked = await tool("bash", { command: "curl -sS https://blocked.example.org/" });
    expect(blocked.is_error).toBe(true);
    expect(text(blocked)).toMatch(/network policy|not allowed|denied/i);
  });
});

describe("egress decisions", () => {
  it("allows everything unrestricted and only listed hosts (and registries on request) when limited", () => {
    expect(isEgressAllowed({ type: "unrestricted" }, "https://anything.test/x")).toBe(true);
    const limited = { type: "limited" as const, allowed_hosts: ["api.example.com", "*.corp.test"] };
    expect(isEgressAllowed(limited, "https://api.example.com/v1")).toBe(true);
    expect(isEgressAllowed(limited, "https://git.corp.test")).toBe(true);
    expect(isEgressAllowed(limited, "https://corp.test")).toBe(false);
    expect(isEgressAllowed(limited, "https://example.com")).toBe(false);
    expect(isEgressAllowed(limited, "https://pypi.org/simple")).toBe(false);
    expect(isEgressAllowed({ ...limited, allow_package_managers: true }, "https://pypi.org/simple")).toBe(true);
    expect(isEgressAllowed(limited, "not a url")).toBe(false);
  });
});

describe("dispatch to the sandbox Durable Object", () => {
  it("records tool uses once, runs them in order and delivers each result", async () => {
    const { workspaceId, client } = await newTenant();
    const environmentId = await createEnvironment(client, { type: "cloud" });
    const sessionId = newId("sesn");
    const stub = env.SANDBOXES.get(env.SANDBOXES.idFromName(sessionId));
    const delivered: ToolResultEvent[] = [];
    await runInDurableObject(stub, (instance) => {
      (instance as unknown as SandboxDurableObject).deliver = async (_scope, token, event) => {
        expect(token).toMatch(/^sk-ma-req-/);
        delivered.push(event);
        return { status: "delivered" };
      };
    });
    const first = { id: newId("sevt"), name: "bash", input: { command: "echo one > f.txt" } };
    const second = { id: newId("sevt"), name: "bash", input: { command: "cat f.txt" } };
    const ctx = { env, workspaceId, sessionId, environmentId };
    await dispatchToolUses(ctx, [first, second]);
    await dispatchToolUses(ctx, [first, second]); // the brain re-dispatching after a crash
    await settled(stub);
    // The second result may still be on its way when the first has settled.
    await vi.waitFor(() => expect(delivered).toHaveLength(2), { timeout: 5_000 });

    expect(delivered.map((e) => e.tool_use_id)).toEqual([first.id, second.id]);
    expect(delivered[1].content[0].text).toBe("one");
    const statuses = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec("SELECT status FROM tool_uses ORDER BY seq").toArray().map((r) => r.status),
    );
    expect(statuses).toEqual(["delivered", "delivered"]);
  });

  it("retries a delivery the session plane could not take, and never re-sends a refused one", async () => {
    const { workspaceId, client } = await newTenant();
    const environmentId = await createEnvironment(client, { type: "cloud" });
    const sessionId = newId("sesn");
    const stub = env.SANDBOXES.get(env.SANDBOXES.idFromName(sessionId));
    const outcomes = [{ status: "retry", message: "503" }, { status: "delivered" }, { status: "rejected", httpStatus: 400, message: "already answered" }];
    await runInDurableObject(stub, (instance) => {
      (instance as unknown as SandboxDurableObject).deliver = async () => outcomes.shift() as never;
    });
    const a = { id: newId("sevt"), name: "bash", input: { command: "true" } };
    const b = { id: newId("sevt"), name: "bash", input: { command: "true" } };
    await dispatchToolUses({ env, workspaceId, sessionId, environmentId }, [a, b]);
    // `a` waits for its retry and `b` waits behind it: results go back in order.
    expect(await settled(stub)).toEqual(["done", "pending"]);
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).not.toBeNull();

    await runDurableObjectAlarm(stub);
    expect(await settled(stub)).toEqual(["delivered", "rejected"]);
    expect(outcomes).toHaveLength(0);
  });
});

describe("a tool use that killed or stalled the sandbox", () => {
  it("is answered with an error instead of being run again (a ReDoS would stall the isolate once per re-run)", async () => {
    const { workspaceId, client } = await newTenant();
    const environmentId = await createEnvironment(client, { type: "cloud" });
    const sessionId = newId("sesn");
    const stub = env.SANDBOXES.get(env.SANDBOXES.idFromName(sessionId));
    const delivered: ToolResultEvent[] = [];
    await runInDurableObject(stub, async (instance, state) => {
      (instance as unknown as SandboxDurableObject).deliver = async (_scope, _token, event) => {
        delivered.push(event);
        return { status: "delivered" };
      };
      // As if the object had died once while running it. Held as one step so the dispatch
      // alarm cannot run the tool between its recording and the crash count.
      await state.blockConcurrencyWhile(async () => {
        await (instance as unknown as SandboxDurableObject).runToolUses({
          workspaceId,
          sessionId,
          environmentId,
          toolUses: [{ id: "sevt_crashy", name: "bash", input: { command: "echo never" } }],
        });
        state.storage.sql.exec("UPDATE tool_uses SET runs = 1");
      });
    });
    await settled(stub);
    await vi.waitFor(() => expect(delivered).toHaveLength(1), { timeout: 5_000 });
    expect(delivered[0]).toMatchObject({ tool_use_id: "sevt_crashy", is_error: true });
    expect(delivered[0].content[0].text).toMatch(/stopped the sandbox before it finished .*it was not run again/);
  });
});

/**
 * The dispatch alarm fires on its own right away; runs it if it has not started and waits until the first tool
 * use has left `pending` (run, and delivered or waiting for a retry). Returns the statuses in order.
 */
async function settled(stub: DurableObjectStub<SandboxDurableObject>): Promise<string[]> {
  await runDurableObjectAlarm(stub);
  for (let i = 0; i < 100; i++) {
    const statuses = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec<{ status: string }>("SELECT status FROM tool_uses ORDER BY seq").toArray().map((r) => r.status),
    );
    if (statuses[0] !== "pending" && !(statuses[0] === "delivered" && statuses.includes("pending"))) return statuses;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the sandbox never settled");
}

async function scopeOf(stub: DurableObjectStub<SandboxDurableObject>) {
  return runInDurableObject(stub, (_, state) =>
    JSON.parse(state.storage.sql.exec<{ value: string }>("SELECT value FROM sandbox_meta WHERE key = 'scope'").one().value),
  );
}
