// (q) Quotas: one tenant pushing past each workspace limit is stopped with the limit's own error, and the
// neighbour workspace is untouched. Limits are set small through the admin API, as an operator would.
import { createWorkspace, say, sdk, sleep, tenant } from "../lib/fixtures.mjs";

const setLimits = (stack, workspaceId, limits) =>
  fetch(`${stack.baseURL}/admin/workspaces/${workspaceId}/limits`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(limits),
  }).then(async (res) => {
    if (!res.ok) throw new Error(`setting limits: ${res.status} ${await res.text()}`);
  });

/** The error an SDK call failed with, as `{ status, type, message }` (null when it succeeded). */
const failure = (promise) =>
  promise.then(
    () => null,
    (err) => ({ status: err.status, type: err.error?.error?.type, message: err.error?.error?.message ?? String(err) }),
  );

export async function quotas(stack) {
  console.log("\n(q) Quotas: request rate, daily write bytes, active sessions, the sandbox filesystem");
  const failures = [];
  const expect = (ok, what) => (ok ? console.log(`  ✓ ${what}`) : (console.log(`  ✗ ${what}`), failures.push(what)));

  // Request rate: 30 reads against a limit of 5 per minute.
  const noisy = await createWorkspace(stack, "quota-rate");
  const quiet = await createWorkspace(stack, "quota-neighbour");
  await setLimits(stack, noisy.workspaceId, { requests_per_minute: 5 });
  const noisyClient = sdk(stack, noisy.apiKey);
  const answers = await Promise.all(Array.from({ length: 30 }, () => failure(noisyClient.beta.agents.list())));
  const refused = answers.filter((a) => a?.status === 429 && a.type === "rate_limit_error" && /requests_per_minute: 5/.test(a.message));
  expect(refused.length >= 25 && answers.every((a) => a === null || refused.includes(a)), `requests_per_minute: ${refused.length} of 30 refused with 429 naming the limit`);
  expect((await failure(sdk(stack, quiet.apiKey).beta.agents.list())) === null, "the neighbour workspace is not slowed");

  // Daily write bytes: agents with 90 KB system prompts against 200 KB a day (the D1-growth class).
  const writer = await createWorkspace(stack, "quota-writes");
  await setLimits(stack, writer.workspaceId, { write_bytes_per_day: 200_000 });
  const writerClient = sdk(stack, writer.apiKey);
  const system = "w".repeat(90_000);
  const writes = [];
  for (let i = 0; i < 4; i++) writes.push(await failure(writerClient.beta.agents.create({ name: `w${i}`, model: "claude-fake-1", system })));
  const stored = (await writerClient.beta.agents.list()).data.length;
  expect(
    writes.filter((w) => w === null).length === 2 && writes.slice(2).every((w) => w?.status === 429 && /write_bytes_per_day/.test(w.message)) && stored === 2,
    `write_bytes_per_day: 2 agents stored, the rest refused with 429 naming the limit (stored: ${stored})`,
  );

  // Active sessions, and the sandbox filesystem quota (a cloud session's bash writing past it).
  const t = await tenant(stack, "quota-sessions", { tools: [{ type: "agent_toolset_20260401" }] });
  await setLimits(stack, t.workspaceId, { max_active_sessions: 1, max_sandbox_bytes: 1024 * 1024 });
  const session = await t.newSession();
  const second = await failure(t.newSession());
  expect(second?.status === 429 && /max_active_sessions: 1/.test(second.message), "max_active_sessions: the second session refused with 429 naming the limit");
  await t.client.beta.sessions.events.send(session.id, { events: [say(`[[tool:bash {"command":"printf '%2097152s' x > big.bin"}]]`)] });
  let result;
  for (let waited = 0; !result && waited < 60_000; waited += 500) {
    await sleep(500);
    const events = (await t.client.beta.sessions.events.list(session.id)).data;
    result = events.find((e) => e.type === "user.tool_result");
  }
  const text = JSON.stringify(result?.content ?? "");
  expect(result?.is_error === true && /no space left on device/.test(text) && /max_sandbox_bytes/.test(text), `max_sandbox_bytes: bash past the quota gets ENOSPC in its tool result (got: ${result ? text.slice(0, 200) : "no tool result"})`);

  return { ok: failures.length === 0, failures, summary: `quotas: ${failures.length} findings` };
}
