import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { CAPABILITIES, SCENARIOS, stackFor, startHands, type BackendName, type Hands, type Scenario } from "./backends";
import { DOCUMENTED, RUNS } from "./scenarios";

/**
 * One conformance suite for every hands backend: the same scenarios, through the official SDK and the fake model,
 * against each backend in CAPABILITIES. What a backend cannot do is declared there and reported here with its
 * reason, never silently skipped; a backend that cannot run on this machine says why.
 */
type Outcome = "passed" | "failed" | "not run" | "unsupported" | "documented" | "unavailable";
const matrix = new Map<BackendName, Map<Scenario, Outcome>>();
const record = (backend: BackendName, scenario: Scenario, outcome: Outcome) => {
  if (!matrix.has(backend)) matrix.set(backend, new Map());
  matrix.get(backend)!.set(scenario, outcome);
};

const scenarios = Object.keys(SCENARIOS) as Scenario[];
const httpsMissing = inject("hands").isolate.echo.httpsPort === null ? "no TLS test host here (`openssl` is missing to make its certificate)" : undefined;

for (const backend of Object.keys(CAPABILITIES) as BackendName[]) {
  const stack = stackFor(backend);
  const capabilities = CAPABILITIES[backend];

  if ("unavailable" in stack) {
    console.log(`hands conformance: ${backend}: SKIPPED, not available here: ${stack.unavailable}`);
    describe(`hands conformance: ${backend}`, () => {
      for (const scenario of scenarios) {
        record(backend, scenario, "unavailable");
        it.skip(`${scenario}: ${backend} not available here: ${stack.unavailable}`, () => {});
      }
    });
    continue;
  }

  describe(`hands conformance: ${backend}`, () => {
    let hands: Hands;
    beforeAll(async () => {
      if ("error" in stack) throw new Error(`the ${backend} stack failed to start:\n${stack.error}`);
      hands = await startHands(backend, stack);
    }, 600_000);
    afterAll(async () => hands?.close());

    for (const scenario of scenarios) {
      const unsupported =
        (capabilities.unsupported as Partial<Record<Scenario, string>>)[scenario] ?? (scenario.endsWith("-https") ? httpsMissing : undefined);
      if (unsupported) {
        record(backend, scenario, "unsupported");
        it.skip(`${scenario}: unsupported on ${backend}: ${unsupported}`, () => {});
        continue;
      }
      const documented = (capabilities as { documented?: Partial<Record<Scenario, string>> }).documented?.[scenario];
      const run = documented ? DOCUMENTED[scenario]! : RUNS[scenario];
      const title = documented ? `${scenario}: not supported on ${backend}, as documented: ${documented}` : `${scenario}: ${SCENARIOS[scenario]}`;
      record(backend, scenario, "not run");
      it(title, async () => {
        record(backend, scenario, "failed");
        await run(hands);
        record(backend, scenario, documented ? "documented" : "passed");
      });
    }
  });
}

afterAll(() => {
  const lines = [...matrix].map(([backend, outcomes]) => {
    const counts = new Map<Outcome, Scenario[]>();
    for (const [scenario, outcome] of outcomes) counts.set(outcome, [...(counts.get(outcome) ?? []), scenario]);
    const parts = [...counts].map(([outcome, list]) => `${list.length} ${outcome}${outcome === "passed" ? "" : ` (${list.join(", ")})`}`);
    return `  ${backend.padEnd(12)} ${parts.join(", ")}`;
  });
  console.log(`hands conformance matrix (${scenarios.length} scenarios):\n${lines.join("\n")}`);
});
