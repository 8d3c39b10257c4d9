// (c) Fuzz: M malformed requests over every route (wrong types, missing fields, unknown fields, bad JSON,
// wrong content types, huge and deeply nested bodies, bad ids and cursors, unicode, other tenants' ids,
// missing credentials or beta header): no 5xx, no success, and no change to either tenant's stored state.
import { createWorkspace } from "../lib/fixtures.mjs";
import { progress } from "../lib/report.mjs";
import { createWorld, diffSnapshots, generateCases, runCases, snapshot } from "./cases.mjs";
import { httpSender } from "./http.mjs";

export async function fuzz(stack, { count = 2000, seed = 1 } = {}) {
  console.log(`\n(c) Fuzz: ${count} malformed requests over every route (flags --requests, --seed ${seed})`);
  const send = httpSender(stack.baseURL);
  const a = await createWorkspace(stack, "fuzz-a");
  const b = await createWorkspace(stack, "fuzz-b");
  const own = await createWorld(send, { ...a, adminToken: stack.adminToken, label: "fuzz-a" });
  const other = await createWorld(send, { ...b, adminToken: stack.adminToken, label: "fuzz-b" });
  const before = { a: await snapshot(send, a.apiKey, { adminToken: stack.adminToken }), b: await snapshot(send, b.apiKey) };
  const cases = [...generateCases({ worlds: { own, other }, count, seed, adminToken: stack.adminToken })];
  const bar = progress("requests", cases.length);
  const result = await runCases(send, cases, { concurrency: 4, onProgress: () => bar.tick() });
  bar.done();
  const after = { a: await snapshot(send, a.apiKey, { adminToken: stack.adminToken }), b: await snapshot(send, b.apiKey) };
  const changes = [...diffSnapshots(before.a, after.a).map((c) => `tenant A ${c}`), ...diffSnapshots(before.b, after.b).map((c) => `tenant B ${c}`)];
  const kinds = {};
  for (const c of cases) kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
  console.log(`  statuses: ${JSON.stringify(result.byStatus)}`);
  console.log(`  defects: ${JSON.stringify(kinds)}`);
  report("5xx or no answer", result.serverErrors);
  report("accepted (2xx/3xx) although malformed", result.accepted);
  if (changes.length) console.log(`  ✗ stored state changed:\n    ${changes.slice(0, 20).join("\n    ")}`);
  else console.log(`  ✓ stored state unchanged (${Object.keys(before.a).length + Object.keys(before.b).length} lists compared)`);
  const ok = result.serverErrors.length === 0 && result.accepted.length === 0 && changes.length === 0;
  return {
    ok,
    requests: count,
    seed,
    by_status: result.byStatus,
    defects: kinds,
    server_errors: result.serverErrors,
    accepted: result.accepted,
    state_changes: changes,
    summary: `fuzz: ${count} requests, ${result.serverErrors.length} 5xx, ${result.accepted.length} accepted, ${changes.length} state changes`,
  };
}

function report(label, cases) {
  if (!cases.length) return console.log(`  ✓ 0 ${label}`);
  console.log(`  ✗ ${cases.length} ${label}:`);
  const seen = new Set();
  for (const c of cases) {
    const key = `${c.route} ${c.kind} ${c.status}`;
    if (seen.has(key)) continue;
    seen.add(key);
    console.log(`    #${c.index} ${c.route} [${c.why}] → ${c.status}\n      ${c.request.slice(0, 160)}\n      ${c.body?.slice(0, 160) ?? ""}`);
    if (seen.size >= 25) break;
  }
}
