import { app } from "./app";

export { SessionDurableObject } from "../durable-objects/session/session-durable-object";
export { EnvironmentWorkQueue } from "../durable-objects/work-queue/environment-work-queue";
export { SandboxDurableObject } from "../durable-objects/sandbox/sandbox-durable-object";

export default app;
