import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";

/** One per session: the single writer of its event log, status and usage. (Built by the session-plane issue.) */
export class SessionDurableObject extends DurableObject<Env> {}
