import type { BetaManagedAgentsBudgetLimit } from "@anthropic-ai/sdk/resources/beta/sessions/sessions";
import type { ModelUsage } from "./model-call";
import type { SessionState } from "./types";

export type BudgetLimit = BetaManagedAgentsBudgetLimit;

/**
 * Public list prices in USD per million tokens (input, output), by model id prefix; the longest prefix
 * wins. Cache reads cost 0.1x input, 5-minute cache writes 1.25x, 1-hour writes 2x. A model missing here
 * has no list price, so a budget cannot measure it (`model_not_budgetable`).
 */
const LIST_PRICES: Array<[prefix: string, input: number, output: number]> = [
  ["claude-opus-4-5", 5, 25],
  ["claude-opus-4-6", 5, 25],
  ["claude-opus-4", 15, 75],
  ["claude-3-opus", 15, 75],
  ["claude-sonnet-4", 3, 15],
  ["claude-3-7-sonnet", 3, 15],
  ["claude-3-5-sonnet", 3, 15],
  ["claude-haiku-4-5", 1, 5],
  ["claude-3-5-haiku", 0.8, 4],
  ["claude-3-haiku", 0.25, 1.25],
];

/** USD per MTok equals nano-USD per token: costs are kept as integers of nano-USD, so no float ever rounds. */
const NANO_PER_CENT = 10_000_000;

interface Price {
  input: number;
  output: number;
}

export function listPrice(modelId: string): Price | null {
  let best: [string, number, number] | null = null;
  for (const entry of LIST_PRICES) {
    if (modelId.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
  }
  return best ? { input: Math.round(best[1] * 1000), output: Math.round(best[2] * 1000) } : null;
}

/** Per token, in nano-USD: list price per MTok x 1000 (input 3 $/MTok = 3000 nano-USD per token). */
function costNano(price: Price, usage: ModelUsage): number {
  const writes1h = usage.cache_creation_1h;
  // Cache writes the API did not break down by lifetime are priced as 5-minute writes.
  const writes5m = Math.max(usage.cache_creation_5m, usage.cache_creation_input_tokens - writes1h);
  return (
    usage.input_tokens * price.input +
    usage.output_tokens * price.output +
    (usage.cache_read_input_tokens * price.input) / 10 +
    (writes5m * price.input * 5) / 4 +
    writes1h * price.input * 2
  );
}

const modelId = (model: SessionState["agent"]["model"] | string) => (typeof model === "string" ? model : model.id);

/** Whether a budget can measure this agent's spend. */
export const isBudgetable = (model: SessionState["agent"]["model"] | string) => listPrice(modelId(model)) !== null;

/**
 * Books a model call's list cost. Tracked whenever the model has a list price (the session's
 * `usage.list_cost`), budget or not; the exact nano-USD total is kept beside it.
 */
export function chargeListCost(s: SessionState, usage: ModelUsage) {
  const price = listPrice(modelId(s.agent.model));
  if (!price) return;
  s.listCostNano = (s.listCostNano ?? 0) + costNano(price, usage);
  // Minor units, rounded up: the reported cost never understates what the budget counts.
  s.usage.list_cost = { amount: String(Math.ceil(s.listCostNano / NANO_PER_CENT)), currency: "USD" };
}

/** Spent: the tracked cost reached the limit (a model without a list price counts as spent, per the contract). */
export function budgetSpent(s: SessionState): boolean {
  if (!s.budget) return false;
  if (!isBudgetable(s.agent.model)) return true;
  return (s.listCostNano ?? 0) >= Number(s.budget.max_list_cost.amount) * NANO_PER_CENT;
}
