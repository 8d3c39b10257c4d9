import { emptyUsage } from "../../src/schemas/sessions";
import { initialTurn } from "./session-state";
import { initialThreads } from "./thread-state";
import type { SessionState, UserEventParams } from "./types";

/** What `sessions.create` hands the new session's object: its identity and configuration, then its first events. */
export type InitInput = Pick<
  SessionState,
  "sessionId" | "workspaceId" | "environmentId" | "agent" | "title" | "metadata" | "createdAt" | "budget" | "memoryMounts"
> & { initialEvents?: UserEventParams[]; maxEvents?: number };

/** A new session's state: idle, nothing used, and the threads its agent may spawn (none for a single agent). */
export function newSessionState(input: InitInput): SessionState {
  const state: SessionState = {
    sessionId: input.sessionId,
    workspaceId: input.workspaceId,
    environmentId: input.environmentId,
    agent: input.agent,
    title: input.title,
    metadata: input.metadata,
    status: "idle",
    usage: emptyUsage(),
    activeSeconds: 0,
    runningSince: null,
    createdAt: input.createdAt,
    updatedAt: input.createdAt,
    archivedAt: null,
    turn: initialTurn(),
    mirrorSeq: 0,
    budget: input.budget ?? null,
    ...(input.memoryMounts?.length ? { memoryMounts: input.memoryMounts } : {}),
  };
  state.threads = initialThreads(state);
  return state;
}
