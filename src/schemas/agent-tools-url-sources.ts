import { z } from "zod";
import type {
  BetaManagedAgentsWebFetchURLSourceToolFilter,
  BetaManagedAgentsWebFetchURLSourceUserInput,
  BetaManagedAgentsWebFetchURLSources,
} from "@anthropic-ai/sdk/resources/beta/agents/agents";
import { badRequest } from "../lib/errors";

/**
 * web_fetch's `url_sources`: which content may supply URLs for it to fetch (results of client tools, of the
 * server's own tools, the user's input). Requests may use the string shorthand ("all" / "none"); responses
 * always carry the object form.
 */

const toolReference = z.strictObject({ name: z.string().min(1).max(128), type: z.literal("tool_reference") });
const toolReferenceList = z.array(toolReference).min(1).max(128);
const urlSourceAll = z.strictObject({ type: z.literal("all") });
const urlSourceNone = z.strictObject({ type: z.literal("none") });
const urlSourceToolFilter = z.union([
  z.enum(["all", "none"]),
  urlSourceAll,
  urlSourceNone,
  z.strictObject({ type: z.literal("only"), tools: toolReferenceList }),
  z.strictObject({ type: z.literal("except"), tools: toolReferenceList }),
]);
const urlSourceUserInput = z.union([z.enum(["all", "none"]), urlSourceAll, urlSourceNone]);
export const webFetchUrlSources = z.strictObject({
  client_tool_results: urlSourceToolFilter.nullish(),
  server_tool_results: urlSourceToolFilter.nullish(),
  user_input: urlSourceUserInput.nullish(),
});

type UrlSourcesParams = z.infer<typeof webFetchUrlSources> | BetaManagedAgentsWebFetchURLSources;

/** Responses use the object form of every url_sources value; `null` means "not set" (allow all). */
export function resolveUrlSources(
  sources: UrlSourcesParams,
  path: string,
  customNames: Set<string>,
): BetaManagedAgentsWebFetchURLSources {
  const client = toFilter(sources.client_tool_results);
  const server = toFilter(sources.server_tool_results);
  const user = sources.user_input == null ? null : toFilter(sources.user_input);
  if (client?.type === "none" && server?.type === "none" && user?.type === "none") {
    throw badRequest(`${path}: setting every source to "none" leaves web_fetch nothing to fetch`);
  }
  checkToolNames(client, `${path}.client_tool_results`, (name) => customNames.has(name), "a custom tool in tools");
  checkToolNames(server, `${path}.server_tool_results`, (name) => name === "web_search" || name === "web_fetch", '"web_search" or "web_fetch"');
  return {
    client_tool_results: client,
    server_tool_results: server,
    user_input: user as BetaManagedAgentsWebFetchURLSourceUserInput | null,
  };
}

function toFilter(
  value: z.infer<typeof urlSourceToolFilter> | BetaManagedAgentsWebFetchURLSourceToolFilter | null | undefined,
): BetaManagedAgentsWebFetchURLSourceToolFilter | null {
  if (value == null) return null;
  return typeof value === "string" ? { type: value } : value;
}

function checkToolNames(
  filter: BetaManagedAgentsWebFetchURLSourceToolFilter | null,
  path: string,
  allowed: (name: string) => boolean,
  expected: string,
) {
  if (filter?.type !== "only" && filter?.type !== "except") return;
  const seen = new Set<string>();
  for (const [i, ref] of filter.tools.entries()) {
    if (!allowed(ref.name)) throw badRequest(`${path}.tools.${i}.name: "${ref.name}" must be ${expected}`);
    if (seen.has(ref.name)) throw badRequest(`${path}.tools.${i}.name: "${ref.name}" is listed twice`);
    seen.add(ref.name);
  }
}
