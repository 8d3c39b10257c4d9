import { describe, expect, it } from "vitest";
import { literalUnion } from "./sdk-source";

/** Every text a user copies model ids from: docs, examples, scripts, the fake model, the tests themselves. */
const texts = import.meta.glob(
  ["/README.md", "/docs/**/*.md", "/examples/**/*", "/scripts/**/*", "/bench/**/*.{mjs,ts,md}", "/test/**/*.{ts,mjs,md}", "/src/**/*.ts", "/durable-objects/**/*.ts", "/public/**/*.{js,ts,html}"],
  { query: "?raw", import: "default", eager: true },
) as Record<string, string>;

/** Ids that are not the Messages API's models on purpose. */
const NOT_MODELS = new Set(["claude-fake-1", "claude-fake-advisor", "claude-helper"]);
/**
 * The price table matches a model by its id's prefix, so it also prices ids the SDK no longer lists (a request
 * through an AI Gateway may still name one); these prefixes are never offered as an id to use.
 */
const PRICE_TABLE = "/durable-objects/session/budget.ts";

describe("model ids", () => {
  const known = new Set(literalUnion("messages/messages.d.ts", "Model"));
  const deprecated = new Set(
    [...(import.meta.glob("/node_modules/@anthropic-ai/sdk/internal/data/deprecated-models.mjs", { query: "?raw", import: "default", eager: true }) as Record<string, string>)[
      "/node_modules/@anthropic-ai/sdk/internal/data/deprecated-models.mjs"
    ].matchAll(/'(claude-[^']+)':/g)].map((m) => m[1]),
  );

  it("reads the SDK's model list", () => {
    expect(known.has("claude-sonnet-4-6")).toBe(true);
    expect(deprecated.has("claude-opus-4-5")).toBe(true);
  });

  it("uses only current ids (in the installed SDK's Model type and not deprecated) in docs, examples and tests", () => {
    const stale: string[] = [];
    for (const [path, text] of Object.entries(texts)) {
      if (path === PRICE_TABLE || path.startsWith("/test/contract/")) continue;
      for (const [id] of text.matchAll(/\bclaude-[a-z0-9.-]*[a-z0-9]\b/g)) {
        if (NOT_MODELS.has(id)) continue;
        if (!known.has(id) || deprecated.has(id)) stale.push(`${path}: ${id}`);
      }
    }
    expect(stale).toEqual([]);
  });
});
