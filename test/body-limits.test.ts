import { describe, expect, it } from "vitest";
import { newTenant, raw } from "./helpers/client";
import { collect } from "./helpers/assertions";

const MiB = 1024 * 1024;

/** A JSON agent body of about `size` bytes, sent chunked: a stream with no content-length. */
function chunkedAgentBody(size: number): ReadableStream<Uint8Array> {
  const head = new TextEncoder().encode('{"model":"claude-fake-1","name":"');
  const tail = new TextEncoder().encode('"}');
  const chunk = new TextEncoder().encode("a".repeat(MiB));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent === 0) controller.enqueue(head);
      if (sent >= size) {
        controller.enqueue(tail);
        controller.close();
        return;
      }
      controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
}

describe("the 32 MiB JSON limit", () => {
  it("is enforced on the stream: a chunked body over it is a 413 naming the limit, one under it is read", async () => {
    const { client, apiKey } = await newTenant();
    const post = (size: number) =>
      raw("/v1/agents", { method: "POST", apiKey, headers: { "content-type": "application/json" }, body: chunkedAgentBody(size) });

    const over = await post(40 * MiB);
    expect(over.status).toBe(413);
    expect(await over.json()).toMatchObject({ type: "error", error: { type: "request_too_large", message: expect.stringContaining("33554432 bytes") } });

    // Under the limit the body is parsed and validated: a 31 MiB name is a 400, not a 413 or a 500.
    const under = await post(31 * MiB);
    expect(under.status).toBe(400);
    expect(await under.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    expect(await collect(client.beta.agents.list())).toHaveLength(0);
  });
});
