import { app } from "./app";

export { SessionDurableObject } from "../durable-objects/session/session-durable-object";
export { EnvironmentWorkQueue } from "../durable-objects/work-queue/environment-work-queue";
export { DeploymentScheduler } from "../durable-objects/deployment-scheduler/deployment-scheduler";
export { WebhookDelivery } from "../durable-objects/webhook-delivery/webhook-delivery";
export { SandboxDurableObject } from "../durable-objects/sandbox/sandbox-durable-object";
export { DreamRunner } from "../durable-objects/dream/dream-runner";
export { TunnelRelay } from "../durable-objects/tunnel/tunnel-relay";
export { WorkspaceQuota } from "../durable-objects/workspace-quota/workspace-quota";

export default app;
