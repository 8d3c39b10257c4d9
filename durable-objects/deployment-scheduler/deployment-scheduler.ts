import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";

export class DeploymentScheduler extends DurableObject<Env> {}
