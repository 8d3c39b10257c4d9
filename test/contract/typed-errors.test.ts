import { describe, expect, it } from "vitest";
import { BetaInvalidMetadataError } from "@anthropic-ai/sdk/resources/beta/environments";
import { newTenant } from "../helpers/client";
import { bearerClient, createEnvironment, createEnvironmentKey, queue } from "../helpers/hands";
import { newId } from "../../src/lib/ids";

const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"]));
const longValue = { k: "x".repeat(513) };

/** A broken metadata limit carries `error_code: invalid_metadata`, so the SDK raises BetaInvalidMetadataError. */
describe("typed errors: invalid_metadata", () => {
  it("is raised for every resource's metadata limits, on create and on update", async () => {
    const { client, workspaceId } = await newTenant();
    const environmentId = await createEnvironment(client);
    const agent = await client.beta.agents.create({ name: "m", model: "claude-sonnet-4-6" });
    const cases: Array<[string, () => Promise<unknown>]> = [
      ["agents.create", () => client.beta.agents.create({ name: "m", model: "claude-sonnet-4-6", metadata: tooMany })],
      ["agents.update", () => client.beta.agents.update(agent.id, { version: agent.version, metadata: longValue })],
      ["environments.create", () => client.beta.environments.create({ name: `e-${crypto.randomUUID()}`, metadata: tooMany })],
      ["vaults.create", () => client.beta.vaults.create({ display_name: "v", metadata: longValue })],
      ["memoryStores.create", () => client.beta.memoryStores.create({ name: "s", metadata: tooMany })],
      [
        "work.update",
        async () => {
          const item = await queue(environmentId).enqueueSession({ workspaceId, environmentId, sessionId: newId("sesn") });
          return client.beta.environments.work.update(item.id, { environment_id: environmentId, metadata: tooMany });
        },
      ],
    ];
    for (const [name, call] of cases) {
      const err = await call().then(
        () => undefined,
        (e) => e,
      );
      expect(err, name).toBeInstanceOf(BetaInvalidMetadataError);
      expect(err.status, name).toBe(400);
      expect(err.error.error.type, name).toBe("invalid_request_error");
      expect(err.error.error.message, name).toMatch(/metadata/);
    }
    // The worker's credentials never reach it (a key rule, not a metadata error).
    const worker = bearerClient((await createEnvironmentKey(client, environmentId)).key);
    expect(await worker.beta.environments.work.stats(environmentId)).toMatchObject({ type: "work_queue_stats" });
  });
});
