import type { Hands } from "./backends";

export const unique = () => crypto.randomUUID().slice(0, 8);

/** Sessions the scenarios that need nothing special share, one per backend: reusing it weakens none of them. */
const shared = new WeakMap<Hands, Promise<string>>();
export function sharedSession(hands: Hands): Promise<string> {
  if (!shared.has(hands)) shared.set(hands, newSession(hands));
  return shared.get(hands)!;
}

export async function newSession(hands: Hands, options: { config?: Parameters<Hands["environment"]>[0]; resources?: unknown[]; vaultIds?: string[] } = {}) {
  const session = await hands.client.beta.sessions.create({
    agent: hands.agentId,
    environment_id: await hands.environment(options.config),
    ...(options.resources ? { resources: options.resources as never } : {}),
    ...(options.vaultIds ? { vault_ids: options.vaultIds } : {}),
  });
  return session.id;
}

export type Run = (hands: Hands) => Promise<void>;

