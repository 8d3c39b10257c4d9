import Anthropic, { toFile } from "@anthropic-ai/sdk";
import { chromium, type BrowserContext, type Page, type WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    chromium: string;
    baseURL: string;
    adminToken: string;
    artifacts: string;
    userDataDir: string;
    workdir: string;
  }
}

const executablePath = inject("chromium");
if (!executablePath) console.warn("console e2e: SKIPPED, /usr/bin/chromium is not installed on this machine");

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const lookupTool = {
  type: "custom" as const,
  name: "lookup",
  description: "Look a thing up",
  input_schema: { type: "object" as const, properties: { q: { type: "string" } } },
};

describe.skipIf(!executablePath)("console in a real browser (chromium, wrangler dev, fake model)", () => {
  const baseURL = inject("baseURL");
  let apiKey: string;
  let client: Anthropic;
  let sessionId: string;
  let context: BrowserContext;
  let page: Page;
  /** Every URL the browser asked for, WebSockets included: the key must never be in one. */
  const urls: string[] = [];
  /** Errors the page logged (CSP violations, exceptions). */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const res = await fetch(`${baseURL}/admin/workspaces`, {
      method: "POST",
      headers: { authorization: `Bearer ${inject("adminToken")}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "console-e2e" }),
    });
    expect(res.status).toBe(201);
    apiKey = ((await res.json()) as any).api_key.key;
    client = new Anthropic({ baseURL, apiKey, maxRetries: 0 });
    // Built-in tools ask first (so a confirmation can be denied without a sandbox); `lookup` is answered by the client.
    const agent = await client.beta.agents.create({
      name: "support-bot",
      model: "claude-fake-1",
      tools: [
        { type: "agent_toolset_20260401", default_config: { enabled: true, permission_policy: { type: "always_ask" } } },
        lookupTool,
      ],
    });
    const environment = await client.beta.environments.create({ name: "console-e2e" });
    const other = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, title: "Quarterly report draft" });
    await client.beta.sessions.events.send(other.id, { events: [say("[[text:Here is an outline for the report.]]")] });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, title: "Weather lookup demo" });
    sessionId = session.id;

    context = await chromium.launchPersistentContext(inject("userDataDir"), {
      executablePath,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: DESKTOP,
    });
    page = context.pages()[0] ?? (await context.newPage());
    watch(page);
  });

  afterAll(async () => {
    await context?.close();
  });

  function watch(p: Page) {
    p.on("request", (r) => urls.push(r.url()));
    p.on("websocket", (ws) => urls.push(ws.url()));
    p.on("pageerror", (e) => pageErrors.push(e.message));
    p.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
  }

  async function signIn(p: Page) {
    await p.goto(`${baseURL}/`);
    await p.locator("#api-key").fill(apiKey);
    await p.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => p.locator(".session-item").count()).toBeGreaterThan(0);
  }

  async function sendMessage(p: Page, text: string) {
    await p.locator(".composer-input").fill(text);
    await p.locator("button.send").click();
  }

  const lastAgentText = (p: Page) => p.locator(".msg.agent:not(.streaming) .bubble-text").last().textContent();
  const statusText = (p: Page) => p.locator(".session-head .status-pill").textContent();

  it("signs in (refusing a wrong key), lists sessions, and opens one live", async () => {
    await page.goto(`${baseURL}/`);
    expect(new URL(page.url()).pathname).toBe("/console/");
    await page.locator("#api-key").fill("sk-ma-wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator(".form-error").textContent()).toContain("not accepted");
    pageErrors.length = 0; // the browser logs the refused request; nothing else may fail from here on

    await page.locator("#api-key").fill(apiKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator(".item-title").allTextContents()).toEqual(["Weather lookup demo", "Quarterly report draft"]);
    expect(await page.locator(".session-item").first().textContent()).toContain("support-bot v1");
    expect(await page.evaluate(() => Object.values((globalThis as any).sessionStorage))).toContain(apiKey);

    await page.getByText("Weather lookup demo").click();
    expect(page.url()).toContain(`#/sessions/${sessionId}`);
    await page.locator(".conn.live").waitFor();
    expect(await page.locator(".session-title").textContent()).toBe("Weather lookup demo");
    // The header names the environment and shows cache tokens and cost (this server prices nothing: no list_cost).
    await expect.poll(() => page.locator(".session-env").textContent()).toBe("env: console-e2e");
    expect(await page.locator(".stat-cache dd").textContent()).toBe("0 / 0");
    expect(await page.locator(".stat-cost dd").textContent()).toBe("—");
  });

  it("sends a message and shows the agent's reply as it streams", async () => {
    const streaming = page.locator(".msg.agent.streaming").waitFor({ timeout: 15_000 });
    const reply = "Hello! This reply streams into the console one piece at a time, as the model writes it.";
    await sendMessage(page, `[[slow:120]] [[thinking:Checking the forecast]] [[text:${reply}]]`);
    await page.locator(".msg.user .bubble-text", { hasText: "[[slow:120]]" }).waitFor();
    await streaming;
    await expect.poll(() => lastAgentText(page), { timeout: 15_000 }).toBe(reply);
    await expect.poll(() => statusText(page)).toContain("idle");
    expect(await page.locator(".thinking").last().textContent()).toContain("Thought");
    expect(await page.locator(".span:not(.open)").count()).toBeGreaterThan(0);
    // The turn's session.usage snapshot is a quiet line of totals, not an unknown event's raw JSON.
    await expect.poll(() => page.locator(".span.usage").last().textContent()).toMatch(/^Session usage · \d+(\.\d)?k? in · \d+ out · \d+s active/);
    expect(await page.locator("details.other", { hasText: "session.usage" }).count()).toBe(0);
  });

  it("answers a custom tool call the session waits on", async () => {
    const snapshots = await page.locator(".span.usage").count();
    await sendMessage(page, '[[text:Let me look that up.]] [[tool:lookup {"q":"weather in Lisbon"}]]');
    const card = page.locator("article.tool.waiting", { hasText: "lookup" });
    await card.waitFor();
    // The header's totals are the turn's session.usage snapshot from the moment it arrives, not after a re-read.
    await expect.poll(() => page.locator(".span.usage").count()).toBe(snapshots + 1);
    const inLine = (await page.locator(".span.usage").last().textContent())!.match(/· (\S+) in/)![1];
    expect(await page.locator(".stat-input dd").textContent()).toBe(inLine);
    expect(await card.locator("pre").first().textContent()).toContain('"q": "weather in Lisbon"');
    expect(await page.locator(".action-banner").textContent()).toContain("1 tool result (lookup)");
    await page.screenshot({ path: `${inject("artifacts")}/console.png` });

    expect(await card.locator(".tool-progress").textContent()).toBe("waiting for you");

    await card.locator("textarea").fill("Sunny, 24°C");
    await card.getByRole("button", { name: "Send result" }).click();
    await expect.poll(() => lastAgentText(page), { timeout: 15_000 }).toBe("Done. Tool results: ok(Sunny, 24°C)");
    const answered = page.locator("article.tool", { hasText: "lookup" }).last();
    expect(await answered.locator(".tool-result").textContent()).toContain("Sunny, 24°C");
    // Who answered, and how long the call waited for its result.
    expect(await answered.locator(".tool-result .producer").textContent()).toBe("sent by you");
    expect(await answered.locator(".tool-progress.done").textContent()).toMatch(/^took \d+(\.\d)?(ms|s)$/);
    expect(await page.locator("article.tool.waiting").count()).toBe(0);
    expect(await page.locator(".action-banner").isHidden()).toBe(true);
  });

  it("searches and filters events, and shows each one's raw JSON with a copy button", async () => {
    const visible = (selector: string) => page.locator(`.timeline ${selector}:visible`).count();
    await page.locator(".event-search").fill("Sunny, 24");
    await expect.poll(() => page.locator(".event-count").textContent()).toMatch(/^\d+ shown$/);
    expect(await visible("article.tool")).toBe(1);
    expect(await visible(".msg.user")).toBe(0);
    await page.locator(".event-search").fill("");
    await page.locator(".event-kind").selectOption("messages");
    await expect.poll(() => visible("article.tool")).toBe(0);
    expect(await visible(".msg.agent")).toBeGreaterThan(0);
    await page.locator(".event-kind").selectOption("all");
    expect(await visible("article.tool")).toBeGreaterThan(0);

    await page.getByRole("button", { name: "{ } JSON" }).click();
    expect(await page.locator(".timeline").isHidden()).toBe(true);
    const log = await collect(client.beta.sessions.events.list(sessionId));
    await expect.poll(() => page.locator(".raw-event").count()).toBe(log.length);
    const row = page.locator(".raw-event", { hasText: "user.custom_tool_result" });
    await row.locator("summary").click();
    expect(JSON.parse((await row.locator("pre").textContent())!)).toEqual(log.find((e) => e.type === "user.custom_tool_result"));
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
    await row.getByRole("button", { name: "Copy user.custom_tool_result JSON" }).click();
    await expect.poll(() => row.locator("button.copy").textContent()).toBe("Copied");
    const copied = await page.evaluate(() => (globalThis as any).navigator.clipboard.readText());
    expect(JSON.parse(copied).type).toBe("user.custom_tool_result");
    await page.locator(".event-kind").selectOption("errors");
    await expect.poll(() => page.locator(".raw-event:visible").count()).toBe(0);
    await page.locator(".event-kind").selectOption("all");
    await page.getByRole("button", { name: "{ } JSON" }).click();
    expect(await page.locator(".timeline").isVisible()).toBe(true);
  });

  it("denies a tool confirmation with a reason", async () => {
    await sendMessage(page, '[[tool:bash {"command":"rm -rf /srv/data"}]]');
    const card = page.locator("article.tool.waiting", { hasText: "bash" });
    await card.waitFor();
    expect(await card.textContent()).toContain("Allow bash to run?");
    await card.getByRole("textbox").fill("not on this machine");
    await card.getByRole("button", { name: "Deny" }).click();
    await expect.poll(() => page.locator(".tool-confirmation.deny").last().textContent()).toBe("Denied by you: not on this machine");
    await expect.poll(() => lastAgentText(page), { timeout: 15_000 }).toMatch(/^Done\. Tool results: error\(/);
  });

  it("interrupts a running turn", async () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
    await sendMessage(page, `[[slow:150]] [[text:${words}]]`);
    await page.locator(".msg.agent.streaming").waitFor();
    await expect.poll(() => statusText(page)).toContain("running");
    await page.getByRole("button", { name: "Interrupt" }).click();
    await page.locator(".divider.interrupt").waitFor();
    await expect.poll(() => statusText(page)).toContain("idle");
    // The cut-short reply stays visible, marked, without a cursor.
    await page.locator(".msg.agent.cut").waitFor();
    expect(await page.locator(".msg.agent.streaming").count()).toBe(0);
    const log = await collect(client.beta.sessions.events.list(sessionId));
    expect(log.map((e) => e.type)).toContain("user.interrupt");
  });

  it("resumes after a dropped connection from the last event id, without gaps or duplicates", async () => {
    const tab = await context.newPage();
    watch(tab);
    const sockets: { url: string; route: WebSocketRoute }[] = [];
    await tab.routeWebSocket(/\/events\/ws/, (route) => {
      sockets.push({ url: route.url(), route });
      route.connectToServer();
    });
    await signIn(tab);
    await tab.goto(`${baseURL}/console/#/sessions/${sessionId}`);
    await tab.locator(".conn.live").waitFor();
    const before = await collect(client.beta.sessions.events.list(sessionId));
    expect(new URL(sockets[0].url).searchParams.get("after_id")).toBe(before.at(-1)!.id);

    await sendMessage(tab, `[[slow:60]] [[text:${Array.from({ length: 40 }, (_, i) => `part${i}`).join(" ")}]]`);
    await tab.locator(".msg.agent.streaming").waitFor();
    const seen = (await domEventIds(tab)).sort();
    await sockets[0].route.close({ code: 4000, reason: "network dropped (test)" });
    await expect.poll(() => sockets.length, { timeout: 10_000 }).toBe(2);
    // The new connection asks for what came after the last event the page had (at least what it showed).
    const resumedAfter = new URL(sockets[1].url).searchParams.get("after_id")!;
    expect(resumedAfter >= seen.at(-1)!).toBe(true);

    await expect.poll(() => statusText(tab), { timeout: 20_000 }).toContain("idle");
    const log = await collect(client.beta.sessions.events.list(sessionId));
    expect(log.map((e) => e.id)).toContain(resumedAfter);
    // Span ends fold into their start's row; every other stored event is on the page exactly once.
    const expected = log.filter((e) => e.type !== "span.model_request_end").map((e) => e.id);
    await expect.poll(async () => (await domEventIds(tab)).sort()).toEqual(expected);
    expect(new Set(await domEventIds(tab)).size).toBe(expected.length);
    expect(await lastAgentText(tab)).toContain("part39");
    await tab.close();
  });

  it("creates a session from an agent and an environment", async () => {
    await page.goto(`${baseURL}/console/#/`);
    await page.getByRole("button", { name: "New session" }).click();
    const dialog = page.locator("dialog.modal");
    await expect.poll(() => dialog.locator("#new-agent option").first().textContent()).toContain("support-bot");
    expect(await dialog.locator("#new-env option").first().textContent()).toBe("console-e2e");
    await dialog.locator("#new-title").fill("Created from the console");
    await dialog.locator("#new-message").fill("[[text:Ready when you are.]]");
    await dialog.getByRole("button", { name: "Create session" }).click();
    await page.waitForURL(/#\/sessions\/sesn_/);
    await expect.poll(() => lastAgentText(page), { timeout: 15_000 }).toBe("Ready when you are.");
    const created = page.url().split("#/sessions/")[1];
    const session = await client.beta.sessions.retrieve(created);
    expect(session.title).toBe("Created from the console");
    expect(session.agent.name).toBe("support-bot");
  });

  it("shows a multi-agent session's threads: their lifecycle and the messages between them", async () => {
    const worker = await client.beta.agents.create({ name: "researcher", model: "claude-fake-1", description: "Finds things out." });
    const lead = await client.beta.agents.create({ name: "lead", model: "claude-fake-1", multiagent: { type: "coordinator", agents: [worker.id] } });
    const environment = await client.beta.environments.create({ name: "console-e2e-threads" });
    const session = await client.beta.sessions.create({ agent: lead.id, environment_id: environment.id, title: "Team research" });
    await page.goto(`${baseURL}/console/#/sessions/${session.id}`);
    await page.locator(".conn.live").waitFor();
    await sendMessage(page, "[[spawn:researcher {{text:Porto is sunny today.}}]]");
    await page.locator(".divider", { hasText: "Thread started · researcher" }).waitFor({ timeout: 15_000 });
    const report = page.locator(".msg.thread", { hasText: "From researcher" });
    await report.waitFor({ timeout: 15_000 });
    expect(await report.locator(".bubble-text").textContent()).toBe("Porto is sunny today.");
    await expect.poll(() => page.locator(".divider", { hasText: "researcher · Idle" }).count()).toBeGreaterThan(0);
    expect(await page.locator("details.other", { hasText: "thread" }).count()).toBe(0);
  });

  it("shows a self-hosted tool call waiting for hands, then the worker's result labelled as the worker's", async () => {
    const trusting = await client.beta.agents.create({
      name: "hands-bot",
      model: "claude-fake-1",
      tools: [{ type: "agent_toolset_20260401", default_config: { enabled: true, permission_policy: { type: "always_allow" } } }],
    });
    const environment = await client.beta.environments.create({ name: "my-laptop", config: { type: "self_hosted" } });
    const session = await client.beta.sessions.create({ agent: trusting.id, environment_id: environment.id, title: "On my laptop" });
    await page.goto(`${baseURL}/console/#/sessions/${session.id}`);
    await page.locator(".conn.live").waitFor();
    await expect.poll(() => page.locator(".session-env").textContent()).toBe("env: my-laptop");
    await sendMessage(page, '[[tool:bash {"command":"echo hello from the worker"}]]');
    const card = page.locator("article.tool", { hasText: "bash" });
    await expect.poll(() => card.locator(".tool-progress").textContent(), { timeout: 15_000 }).toBe("waiting for hands");

    const key = await client.post<{ key: string }>(`/v1/environments/${environment.id}/keys`, {
      body: { name: "console-e2e" },
      headers: { "anthropic-beta": "managed-agents-2026-04-01" },
    });
    const controller = new AbortController();
    const worker = new Anthropic({ baseURL, apiKey: null, logLevel: "off" }).beta.environments.work.worker({
      environmentId: environment.id,
      environmentKey: key.key,
      workdir: inject("workdir"),
      maxIdleMs: 1000,
    });
    const running = worker.run(controller.signal).catch((e) => e);
    try {
      await expect.poll(() => card.locator(".tool-result pre").textContent(), { timeout: 30_000 }).toContain("hello from the worker");
      expect(await card.locator(".tool-result .producer").textContent()).toBe("from the worker");
      expect(await card.locator(".tool-progress").textContent()).toMatch(/^took /);
    } finally {
      controller.abort();
      await running;
    }
  });

  it("previews each session's first message, searches the list, and archives and deletes sessions after asking", async () => {
    await page.goto(`${baseURL}/console/#/`);
    const report = page.locator(".session-item", { hasText: "Quarterly report draft" });
    await expect.poll(() => report.locator(".item-preview").textContent()).toBe("[[text:Here is an outline for the report.]]");
    await page.locator(".session-search").fill("outline for the");
    await expect.poll(() => page.locator(".item-title").allTextContents()).toEqual(["Quarterly report draft"]);
    await page.locator(".session-search").fill("no such session anywhere");
    await expect.poll(() => page.locator(".list-note").textContent()).toBe("No sessions match.");
    await page.locator(".session-search").fill("");
    await expect.poll(() => page.locator(".session-item").count()).toBeGreaterThan(1);

    const agent = (await client.beta.sessions.retrieve(sessionId)).agent.id;
    const environment = (await client.beta.sessions.retrieve(sessionId)).environment_id;
    const old = await client.beta.sessions.create({ agent, environment_id: environment, title: "Old experiment" });
    await page.goto(`${baseURL}/console/#/sessions/${old.id}`);
    await page.locator(".conn.live").waitFor();
    await page.getByRole("button", { name: "Archive" }).click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Cancel" }).click();
    expect((await client.beta.sessions.retrieve(old.id)).archived_at).toBeNull();
    await page.getByRole("button", { name: "Archive" }).click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Archive" }).click();
    await expect.poll(async () => (await client.beta.sessions.retrieve(old.id)).archived_at).not.toBeNull();
    await expect.poll(() => page.locator(".composer-input").isDisabled()).toBe(true);
    await expect.poll(() => page.locator(".item-title", { hasText: "Old experiment" }).count()).toBe(0);

    await page.getByRole("button", { name: "Delete" }).click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Delete session" }).click();
    await page.waitForURL(/#\/$/);
    await expect.poll(() => client.beta.sessions.retrieve(old.id).then(() => "found", (e) => e.status)).toBe(404);
  });

  it("browses agents (versions, a diff between two), environments (work queue, workers), vaults (no secrets), files, skills and memory", async () => {
    const bot = (await client.beta.agents.list()).data.find((a) => a.name === "support-bot")!;
    await client.beta.agents.update(bot.id, { version: bot.version, system: "Answer in one sentence." });
    const vault = await client.beta.vaults.create({ display_name: "Team secrets" });
    const secret = "sk-live-very-secret-token-123";
    await client.beta.vaults.credentials.create(vault.id, {
      display_name: "Linear",
      auth: { type: "static_bearer", mcp_server_url: "https://mcp.linear.example/", token: secret },
    });
    await client.beta.files.upload({ file: await toFile(new TextEncoder().encode("meeting notes"), "notes.txt", { type: "text/plain" }) });
    const skillMd = "---\nname: greeter\ndescription: Greets people\n---\nSay hello.\n";
    await client.beta.skills.create({ files: [await toFile(new TextEncoder().encode(skillMd), "greeter/SKILL.md")] });
    const store = await client.beta.memoryStores.create({ name: "team-notes" });
    await client.beta.memoryStores.memories.create(store.id, { path: "/people/ana.md", content: "Prefers mornings." });

    const detail = page.locator(".resource-detail");
    await page.goto(`${baseURL}/console/#/`);
    await page.locator(".page-nav").getByRole("link", { name: "Agents" }).click();
    await page.locator(".resource-item", { hasText: "support-bot" }).click();
    await expect.poll(() => detail.locator("h2").textContent()).toBe("support-bot v2");
    expect(await detail.locator("table.data tbody tr").count()).toBe(2);
    const diff = detail.locator("pre.diff");
    expect(await diff.locator(".diff-line.added").allTextContents()).toEqual(['+   "system": "Answer in one sentence.",\n']);
    expect(await diff.locator(".diff-line.removed").allTextContents()).toEqual(['-   "system": null,\n']);
    await page.screenshot({ path: `${inject("artifacts")}/console-agents.png` });
    await detail.locator(".diff-from").selectOption("2");
    expect(await diff.textContent()).toBe("No differences.");

    await page.locator(".page-nav").getByRole("link", { name: "Environments" }).click();
    await page.locator(".resource-item", { hasText: "my-laptop" }).click();
    await expect.poll(() => detail.locator(".queue-stats").textContent()).toContain("Workers polling");
    expect(await detail.locator("table.data", { hasText: "console-e2e" }).textContent()).toContain("active");
    await page.screenshot({ path: `${inject("artifacts")}/console-environments.png` });

    await page.locator(".page-nav").getByRole("link", { name: "Vaults" }).click();
    await page.locator(".resource-item", { hasText: "Team secrets" }).click();
    await expect.poll(() => detail.locator("table.data").textContent()).toContain("static_bearer");
    expect(await detail.textContent()).toContain("https://mcp.linear.example/");
    expect(await page.content()).not.toContain(secret);

    await page.locator(".page-nav").getByRole("link", { name: "Files" }).click();
    await page.locator(".resource-item", { hasText: "notes.txt" }).click();
    await expect.poll(() => detail.locator(".fields").textContent()).toContain("13 B");

    await page.locator(".page-nav").getByRole("link", { name: "Skills" }).click();
    await page.locator(".resource-item").first().click();
    await expect.poll(() => detail.locator("table.data").textContent()).toContain("greeter");

    await page.locator(".page-nav").getByRole("link", { name: "Memory stores" }).click();
    await page.locator(".resource-search").fill("team-notes");
    await page.locator(".resource-item", { hasText: "team-notes" }).click();
    await expect.poll(() => detail.locator("table.data").textContent()).toContain("/people/ana.md");

    await page.setViewportSize(PHONE);
    await page.goto(`${baseURL}/console/#/agents`);
    await page.locator(".resource-item", { hasText: "support-bot" }).click();
    await detail.locator("pre.diff").waitFor();
    expect(await page.locator(".pane-list").isVisible()).toBe(false);
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: `${inject("artifacts")}/console-phone-agents.png` });
    await page.goto(`${baseURL}/console/#/environments`);
    await page.locator(".resource-item", { hasText: "my-laptop" }).click();
    await detail.locator(".queue-stats").waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: `${inject("artifacts")}/console-phone-environments.png` });
    await page.setViewportSize(DESKTOP);
  });

  it("fits a phone screen", async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`${baseURL}/console/#/`);
    await page.locator(".session-item").first().waitFor();
    expect(await page.locator(".pane-detail").isVisible()).toBe(false);
    await page.getByText("Weather lookup demo").click();
    await page.locator(".conn.live").waitFor();
    expect(await page.locator(".pane-list").isVisible()).toBe(false);
    await sendMessage(page, '[[text:Checking once more.]] [[tool:lookup {"q":"weather in Porto"}]]');
    await page.locator("article.tool.waiting").waitFor();
    // Nothing wider than the screen: no sideways scrolling.
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.locator(".composer-input").fill("Thanks!");
    await expect.poll(() => page.locator(".toast").count(), { timeout: 8000 }).toBe(0);
    await page.screenshot({ path: `${inject("artifacts")}/console-phone.png` });
    await page.getByRole("button", { name: "Interrupt" }).click();
    await expect.poll(() => page.locator("article.tool.waiting").count()).toBe(0);
    await page.getByRole("link", { name: "Back to sessions" }).click();
    await page.locator(".session-item").first().waitFor();
    await page.screenshot({ path: `${inject("artifacts")}/console-phone-list.png` });
    await page.setViewportSize(DESKTOP);
  });

  it("never put the key in a URL, and the page logged no errors", () => {
    expect(urls.length).toBeGreaterThan(10);
    expect(urls.filter((u) => u.includes(apiKey))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

function say(text: string) {
  return { type: "user.message" as const, content: [{ type: "text" as const, text }] };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/**
 * The stored events the page shows (previews, streaming or cut short, are not stored events). Results sit inside their tool's
 * card. Runs in the page: `globalThis` is the window there (this project's typings are the Workers', not the DOM's).
 */
function domEventIds(p: Page): Promise<string[]> {
  return p.evaluate(() =>
    [...(globalThis as any).document.querySelectorAll(".timeline [data-event-id]:not(.cut):not(.streaming)")].map((el: any) => el.dataset.eventId as string),
  );
}
