// (d) Tenant isolation: every GET route, aimed at one workspace's resources, with a second workspace's key
// (which has its own resources) and an empty workspace's key: only 404s, and lists without the owner's ids.
import { createWorkspace } from "../lib/fixtures.mjs";
import { checkIsolation, createWorld } from "./cases.mjs";
import { httpSender } from "./http.mjs";

export async function isolation(stack) {
  console.log("\n(d) Tenant isolation: every GET route × another workspace's key and an empty workspace's key");
  const send = httpSender(stack.baseURL);
  const a = await createWorkspace(stack, "iso-owner");
  const b = await createWorkspace(stack, "iso-intruder");
  const c = await createWorkspace(stack, "iso-empty");
  const owner = await createWorld(send, { ...a, label: "iso-owner" });
  const intruder = await createWorld(send, { ...b, label: "iso-intruder" });
  const { failures, checked } = await checkIsolation(send, { owner, intruder, empty: { apiKey: c.apiKey } });
  if (failures.length) {
    console.log(`  ✗ ${failures.length} failures:`);
    for (const f of failures.slice(0, 30)) console.log(`    ${f}`);
  } else {
    console.log(`  ✓ ${checked.length} requests: every id route 404 (not_found_error), every list free of the owner's ids, empty lists for the empty workspace`);
  }
  return { ok: failures.length === 0, requests: checked.length, failures, summary: `isolation: ${checked.length} requests, ${failures.length} failures` };
}
