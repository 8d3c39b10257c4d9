import { badRequest } from "../lib/errors";

/** Where memory stores are mounted in a session's sandbox (Anthropic's "Using agent memory"). */
export const MEMORY_DIR = "/mnt/memory";
/** The hosted API's cap on memory stores attached to one session. */
export const MAX_MEMORY_STORES_PER_SESSION = 8;
/** Long store names make long paths; the slug keeps the start of the name. */
const MAX_SLUG_LENGTH = 64;

/**
 * A directory name from a store's name: lowercase ASCII letters, digits, `.`, `_` and `-`, accents dropped, runs of
 * anything else one `-` ("User Preferences!" → `user-preferences`). A name with nothing usable gives `memory`.
 */
export function memorySlug(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/[-.]+$/, "");
  return slug || "memory";
}

/**
 * Each attached store's `mount_path`, in attachment order: `/mnt/memory/<slug of its name>`, or, when an earlier
 * store of the session already took that directory (two stores with the same name), the slug followed by the
 * store's id, which no other attachment of the session shares.
 */
export function memoryMountPaths(stores: Array<{ id: string; name: string }>): string[] {
  const taken = new Set<string>();
  return stores.map(({ id, name }) => {
    let path = `${MEMORY_DIR}/${memorySlug(name)}`;
    // Ids are unique within a session (assertMemoryStoreAttachments), so this ends at the first suffix in practice.
    while (taken.has(path)) path = `${path}-${id}`;
    taken.add(path);
    return path;
  });
}

/** Why these `memory_store` attachments break the session-level rules (at most 8, each store once), if they do. */
export function memoryAttachmentProblem(storeIds: string[]): string | undefined {
  if (storeIds.length > MAX_MEMORY_STORES_PER_SESSION) {
    return `a session can have at most ${MAX_MEMORY_STORES_PER_SESSION} memory stores (got ${storeIds.length})`;
  }
  const duplicate = storeIds.find((id, i) => storeIds.indexOf(id) !== i);
  return duplicate ? `memory store ${duplicate} is attached more than once` : undefined;
}

export function assertMemoryStoreAttachments(storeIds: string[]) {
  const problem = memoryAttachmentProblem(storeIds);
  if (problem) throw badRequest(`resources: ${problem}`);
}
