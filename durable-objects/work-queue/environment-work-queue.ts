import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";

/** One per environment: the work queue the SDK's EnvironmentWorker polls. (Built by the hands issue.) */
export class EnvironmentWorkQueue extends DurableObject<Env> {}
