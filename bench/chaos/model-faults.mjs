// (b) Model faults, scripted through the fake model's directives: each session must retry and complete, or end
// its turn with the typed error (session.error, retry_status exhausted, idle with retries_exhausted).
import { openSse, say, tenant } from "../lib/fixtures.mjs";
import { logInvariants } from "./kill-restart.mjs";

/** [prompt, expectation]: `retries` errors of `type` then an answer, or a final typed error. */
const SCENARIOS = [
  ["[[error:429 x2]]", { retries: 2, type: "model_rate_limited_error", completes: true }],
  ["[[error:529 x2]]", { retries: 2, type: "model_overloaded_error", completes: true }],
  ["[[error:500 x1]]", { retries: 1, type: "model_request_failed_error", completes: true }],
  ["[[error:503 x3]]", { retries: 3, type: "model_request_failed_error", completes: true }],
  ["[[cut x2]]", { retries: 2, type: "model_request_failed_error", completes: true }],
  ["[[stream_error:529 x1]]", { retries: 1, type: "model_overloaded_error", completes: true }],
  ["[[stream_error:500 x2]]", { retries: 2, type: "model_request_failed_error", completes: true }],
  ["[[error:429 x1]] [[slow:20]] [[text:slowly, after a retry]]", { retries: 1, type: "model_rate_limited_error", completes: true }],
  ["[[error:529 always]]", { retries: 5, type: "model_overloaded_error", completes: false }],
  ["[[cut always]]", { retries: 5, type: "model_request_failed_error", completes: false }],
  ["[[error:400 always]]", { retries: 0, type: "model_request_failed_error", completes: false }],
  ["[[error:401 always]]", { retries: 0, type: "model_request_failed_error", completes: false }],
];

export async function modelFaults(stack) {
  console.log(`\n(b) Model faults: ${SCENARIOS.length} scripted failure modes (429/529/5xx/cut stream/stream error/4xx)`);
  const t = await tenant(stack, "chaos-model");
  const rows = await Promise.all(SCENARIOS.map(([prompt, want]) => scenario(t, prompt, want)));
  const failures = rows.flatMap((r) => r.failures.map((f) => `${r.prompt}: ${f}`));
  for (const r of rows) console.log(`  ${r.failures.length ? "✗" : "✓"} ${r.prompt.padEnd(55)} ${r.outcome}`);
  for (const f of failures) console.log(`    ${f}`);
  return { ok: failures.length === 0, scenarios: rows, failures, summary: `model faults: ${rows.length} scenarios, ${failures.length} failures` };
}

async function scenario(t, prompt, want) {
  const session = await t.newSession();
  const stream = await openSse(t.client, session.id);
  const failures = [];
  let events = [];
  try {
    await t.client.beta.sessions.events.send(session.id, { events: [say(prompt)] });
    events = await stream.until((e) => e.type === "session.status_idle", 60_000);
  } catch (err) {
    failures.push(String(err.message));
  } finally {
    stream.close();
  }
  const errors = events.filter((e) => e.type === "session.error");
  const retrying = errors.filter((e) => e.error?.retry_status?.type === "retrying");
  const final = errors.find((e) => e.error?.retry_status?.type === "exhausted");
  const idle = events[events.length - 1];
  const answered = events.some((e) => e.type === "agent.message");
  if (retrying.length !== want.retries) failures.push(`${retrying.length} retries, want ${want.retries}`);
  for (const e of errors) if (e.error?.type !== want.type) failures.push(`error typed ${e.error?.type}, want ${want.type}`);
  if (want.completes) {
    if (!answered || idle?.stop_reason?.type !== "end_turn" || final) failures.push(`did not complete: ${events.map((e) => e.type).join(", ")}`);
  } else {
    if (!final || idle?.stop_reason?.type !== "retries_exhausted" || answered) {
      failures.push(`did not end with the typed error: ${events.map((e) => e.type).join(", ")}`);
    }
  }
  const rescheduled = events.filter((e) => e.type === "session.status_rescheduled").length;
  if (want.retries > 0 && rescheduled === 0) failures.push("no session.status_rescheduled while retrying");
  failures.push(...logInvariants(events));
  const retrieved = await t.client.beta.sessions.retrieve(session.id);
  if (retrieved.status !== "idle") failures.push(`status ${retrieved.status} after the turn ended`);
  const outcome = want.completes
    ? `${retrying.length} × ${want.type} retried, then answered`
    : `${retrying.length} retries, then ${final?.error?.type ?? "?"} (${idle?.stop_reason?.type})`;
  return { prompt, outcome, retries: retrying.length, completed: answered, failures };
}
