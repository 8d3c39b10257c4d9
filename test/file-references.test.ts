import { toFile } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { expectApiError } from "./helpers/assertions";
import { allEvents, modelRequests, selfHosted, sessionTenant, waitForIdle } from "./helpers/sessions";

const PDF = new TextEncoder().encode("%PDF-1.4 a tiny test document");
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

describe("file references in messages", () => {
  it("refuses another tenant's file (or an upstream id) with a 404, and stores nothing", async () => {
    const owner = await sessionTenant({}, selfHosted);
    const theirs = await owner.client.beta.files.upload({ file: await toFile(PDF, "secret.pdf", { type: "application/pdf" }) });
    const { client, agent, environment } = await sessionTenant({}, selfHosted);
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    for (const fileId of [theirs.id, "file_011CNha8iCJcU1wXNR6q4V8w"]) {
      const err = await expectApiError(
        client.beta.sessions.events.send(session.id, {
          events: [{ type: "user.message", content: [{ type: "document", source: { type: "file", file_id: fileId } }, { type: "text", text: "summarise" }] }],
        }),
        404,
        "not_found_error",
      );
      expect(err.error.error.message).toBe(`file not found: ${fileId}`);
    }
    await expectApiError(
      client.beta.sessions.create({
        agent: agent.id,
        environment_id: environment.id,
        initial_events: [{ type: "user.message", content: [{ type: "image", source: { type: "file", file_id: theirs.id } }] }],
      } as never),
      404,
      "not_found_error",
    );
    expect(await allEvents(client, session.id)).toEqual([]);
    expect(await modelRequests(session.id)).toEqual([]);
  });

  it("sends the tenant's own files to the model as content, never as a file id", async () => {
    const { client, agent, environment } = await sessionTenant({}, selfHosted);
    const pdf = await client.beta.files.upload({ file: await toFile(PDF, "doc.pdf", { type: "application/pdf" }) });
    const png = await client.beta.files.upload({ file: await toFile(PNG, "pic.png", { type: "image/png" }) });
    const txt = await client.beta.files.upload({ file: await toFile(new TextEncoder().encode("plain notes"), "notes.txt", { type: "text/plain" }) });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const content = [
      { type: "document" as const, source: { type: "file" as const, file_id: pdf.id }, title: "the doc" },
      { type: "image" as const, source: { type: "file" as const, file_id: png.id } },
      { type: "document" as const, source: { type: "file" as const, file_id: txt.id } },
      { type: "text" as const, text: "[[text:seen]]" },
    ];
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.message", content }] });
    const events = await waitForIdle(client, session.id);
    // The log keeps what the client sent...
    expect((events.find((e) => e.type === "user.message") as any).content).toEqual(content);
    // ...the model gets the bytes.
    const [request] = await modelRequests(session.id);
    expect(request.messages[0].content.slice(0, 3)).toEqual([
      { type: "document", title: "the doc", source: { type: "base64", media_type: "application/pdf", data: b64(PDF) } },
      { type: "image", source: { type: "base64", media_type: "image/png", data: b64(PNG) } },
      { type: "document", source: { type: "text", media_type: "text/plain", data: "plain notes" } },
    ]);
    expect(JSON.stringify(request)).not.toContain("file_id");

    // Later requests rebuild the conversation, files included: still content, never an id.
    await client.beta.files.delete(png.id);
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.message", content: [{ type: "text", text: "again" }] }] });
    await waitForIdle(client, session.id, 2);
    const again = (await modelRequests(session.id)).at(-1);
    expect(JSON.stringify(again)).not.toContain("file_id");
  });
});
