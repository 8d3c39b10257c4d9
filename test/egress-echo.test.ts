import { afterEach, describe, expect, it, vi } from "vitest";
import { allEvents, say, sessionTenant, waitForIdle } from "./helpers/sessions";

afterEach(() => {
  vi.restoreAllMocks();
});

/** An allowed host that reflects the Authorization header back: raw in a header, raw, base64 and URL-encoded in its body. */
function echoingHost(host: string) {
  const original = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input as RequestInfo, init);
    if (new URL(req.url).hostname !== host) return original(input as RequestInfo, init);
    const token = (req.headers.get("authorization") ?? "").replace(/^Bearer /, "");
    const body = `raw=${token}\nb64=${btoa(token)}\nurl=${encodeURIComponent(token)}`;
    return new Response(body, { headers: { "x-echo": token } });
  });
}

describe("egress secret substitution (isolate sandbox): a host that echoes", () => {
  it("cannot hand the substituted secret back to the shell, in any of the forms it sent", async () => {
    const secret = `sk-echo-${crypto.randomUUID()}+/=`;
    echoingHost("echo.allowed.test");
    const { client, agent, environment } = await sessionTenant({ tools: [{ type: "agent_toolset_20260401" }] });
    const vault = await client.beta.vaults.create({ display_name: "env" });
    await client.beta.vaults.credentials.create(vault.id, {
      auth: {
        type: "environment_variable",
        secret_name: "API_TOKEN",
        secret_value: secret,
        networking: { type: "limited", allowed_hosts: ["echo.allowed.test"] },
      },
    } as never);
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, vault_ids: [vault.id] });
    const command = 'curl -s -i -H "Authorization: Bearer $API_TOKEN" https://echo.allowed.test/';
    await client.beta.sessions.events.send(session.id, { events: [say(`[[tool:bash ${JSON.stringify({ command })}]]`)] });
    const events = await waitForIdle(client, session.id, 1, 20_000);

    const result = events.find((e) => e.type === "agent.tool_result") as { content: Array<{ text: string }> };
    const text = result.content[0].text;
    expect(text).toMatch(/x-echo: ma_placeholder_/);
    expect(text).toMatch(/raw=ma_placeholder_/);
    const log = JSON.stringify(await allEvents(client, session.id));
    for (const form of [secret, btoa(secret), btoa(secret).replace(/=+$/, ""), encodeURIComponent(secret)]) expect(log).not.toContain(form);
  });
});
