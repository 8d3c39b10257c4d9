import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { toFile } from "@anthropic-ai/sdk";
import { newTenant, raw } from "./helpers/client";
import { storeFile } from "../src/db/queries/files";
import { parseMultipart, partText } from "../src/lib/multipart";

const LIMIT = Number(env.MAX_UPLOAD_BYTES);

/** Every byte value, repeated: catches any text decoding or CRLF mangling on the way through. */
function binary(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
  return bytes;
}

/** Large arrays compare slowly element by element; a digest compares them at once. */
async function sha256(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function blobCount(workspaceId: string) {
  return (await env.BLOBS.list({ prefix: `workspaces/${workspaceId}/` })).objects.length;
}

async function fileCount(client: Awaited<ReturnType<typeof newTenant>>["client"]) {
  let n = 0;
  for await (const _ of client.beta.files.list()) n++;
  return n;
}

describe("files", () => {
  it("uploads and downloads binary bytes unchanged, with metadata", async () => {
    const { client } = await newTenant();
    const bytes = binary(70_000);
    const meta = await client.beta.files.upload({ file: await toFile(bytes, "data.bin", { type: "application/x-test" }) });
    expect(meta).toMatchObject({
      type: "file",
      filename: "data.bin",
      mime_type: "application/x-test",
      size_bytes: bytes.length,
      downloadable: true,
      expires_at: null,
      scope: null,
    });
    expect(meta.id).toMatch(/^file_/);
    expect(new Date(meta.created_at).toISOString()).toBe(meta.created_at);

    expect(await client.beta.files.retrieveMetadata(meta.id)).toEqual(meta);

    const res = await client.beta.files.download(meta.id);
    expect(res.headers.get("content-type")).toBe("application/x-test");
    expect(res.headers.get("content-length")).toBe(String(bytes.length));
    expect(res.headers.get("content-disposition")).toContain('filename="data.bin"');
    expect(await sha256(await res.arrayBuffer())).toBe(await sha256(bytes));
  });

  it("keeps only the last path component of the name and infers a missing type", async () => {
    const { client } = await newTenant();
    const pdf = await client.beta.files.upload({ file: await toFile(new Uint8Array([37, 80, 68, 70]), "dir/sub/report.pdf") });
    expect(pdf).toMatchObject({ filename: "report.pdf", mime_type: "application/pdf" });
    const nameless = await client.beta.files.upload({ file: await toFile(new Uint8Array([1]), "", { type: "text/csv" }) });
    expect(nameless).toMatchObject({ filename: "unnamed.csv", mime_type: "text/csv" });
  });

  it("streams a file larger than one R2 part through a multipart upload", async () => {
    const { client } = await newTenant();
    const bytes = binary(6 * 1024 * 1024 + 123);
    const meta = await client.beta.files.upload({ file: await toFile(bytes, "big.bin") });
    expect(meta.size_bytes).toBe(bytes.length);
    const back = await (await client.beta.files.download(meta.id)).arrayBuffer();
    expect(back.byteLength).toBe(bytes.length);
    expect(await sha256(back)).toBe(await sha256(bytes));
  });

  it("sets expires_at from expires_in_seconds and validates it", async () => {
    const { client } = await newTenant();
    const meta = await client.beta.files.upload({ file: await toFile(new Uint8Array([1, 2]), "x.txt"), expires_in_seconds: 3600 });
    expect(Date.parse(meta.expires_at!) - Date.parse(meta.created_at)).toBe(3600 * 1000);

    const err = await client.beta.files
      .upload({ file: await toFile(new Uint8Array([1]), "x.txt"), expires_in_seconds: 10 })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error.error).toMatchObject({ type: "invalid_request_error" });
    expect(err.error.error.message).toContain("expires_in_seconds");
    expect(await fileCount(client)).toBe(1);
  });

  it("lists every file across pages, newest first, and filters by ids", async () => {
    const { client } = await newTenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await client.beta.files.upload({ file: await toFile(new Uint8Array([i]), `f${i}.txt`) })).id);
    }
    const seen: string[] = [];
    for await (const f of client.beta.files.list({ limit: 2 })) seen.push(f.id);
    expect(seen).toEqual([...ids].reverse());

    const first = await client.beta.files.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.next_page).toBeTruthy();

    const picked = await client.beta.files.list({ ids: [ids[1], ids[3], "file_nope"] });
    expect(picked.data.map((f) => f.id).sort()).toEqual([ids[1], ids[3]].sort());
    expect(picked.next_page).toBeNull();

    const both = await client.beta.files.list({ ids: [ids[0]], limit: 2 }).catch((e) => e);
    expect(both.status).toBe(400);
  });

  it("deletes a file: metadata and content then 404, and the blob is gone", async () => {
    const { client, workspaceId } = await newTenant();
    const meta = await client.beta.files.upload({ file: await toFile(new Uint8Array([9, 9]), "gone.bin") });
    const key = `workspaces/${workspaceId}/files/${meta.id}`;
    expect(await env.BLOBS.head(key)).not.toBeNull();
    expect(await client.beta.files.delete(meta.id)).toEqual({ id: meta.id, type: "file_deleted" });

    for (const call of [
      () => client.beta.files.retrieveMetadata(meta.id),
      () => client.beta.files.download(meta.id),
      () => client.beta.files.delete(meta.id),
    ]) {
      const err = await call().catch((e) => e);
      expect(err.status).toBe(404);
      expect(err.error.error.type).toBe("not_found_error");
    }
    expect(await fileCount(client)).toBe(0);
    expect(await env.BLOBS.head(key)).toBeNull();
  });

  it("isolates tenants: another workspace's file is a 404 and never listed", async () => {
    const a = await newTenant("a");
    const b = await newTenant("b");
    const meta = await a.client.beta.files.upload({ file: await toFile(new Uint8Array([1]), "secret.txt") });
    for (const call of [
      () => b.client.beta.files.retrieveMetadata(meta.id),
      () => b.client.beta.files.download(meta.id),
      () => b.client.beta.files.delete(meta.id),
    ]) {
      expect((await call().catch((e) => e)).status).toBe(404);
    }
    expect(await fileCount(b.client)).toBe(0);
    expect((await b.client.beta.files.list({ ids: [meta.id] })).data).toEqual([]);
    // Still there for its owner.
    expect((await a.client.beta.files.retrieveMetadata(meta.id)).id).toBe(meta.id);
  });

  it("refuses a body whose content-length is over the limit with 413 request_too_large", async () => {
    const { apiKey, client } = await newTenant();
    // Declares a huge body but sends a small one: the check must not wait for the bytes.
    const res = await raw("/v1/files", {
      apiKey,
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=xyz", "content-length": String(LIMIT * 4) },
      body: "--xyz--\r\n",
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "request_too_large" } });
    expect(await fileCount(client)).toBe(0);
  });

  it("refuses an oversized file sent through the SDK with 413 and keeps nothing", async () => {
    const { client, workspaceId } = await newTenant();
    const err = await client.beta.files.upload({ file: await toFile(binary(LIMIT + 1), "big.bin") }).catch((e) => e);
    expect(err.status).toBe(413);
    expect(err.error.error.type).toBe("request_too_large");
    expect(await fileCount(client)).toBe(0);
    expect(await blobCount(workspaceId)).toBe(0);
  });

  it("stops a streamed body without content-length once it passes the limit", async () => {
    const { apiKey, client, workspaceId } = await newTenant();
    const boundary = "streamedboundary";
    const head = new TextEncoder().encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.bin"\r\n\r\n`,
    );
    const chunk = binary(1024 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
      },
      pull(controller) {
        // Never ends on its own: only the server's guard stops it.
        sent += chunk.length;
        if (sent > LIMIT * 3) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await raw("/v1/files", {
      apiKey,
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      body,
      // @ts-expect-error: required by fetch for a streamed request body
      duplex: "half",
    });
    expect(res.status).toBe(413);
    expect(await fileCount(client)).toBe(0);
    expect(await blobCount(workspaceId)).toBe(0);
  });

  it("rejects a body that is not multipart with 400", async () => {
    const { apiKey } = await newTenant();
    const json = await raw("/v1/files", {
      apiKey,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ file: "hello" }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: { type: "invalid_request_error" } });

    const form = new FormData();
    form.append("not_file", new Blob(["x"]), "x.txt");
    const wrongField = await raw("/v1/files", { apiKey, method: "POST", body: form });
    expect(wrongField.status).toBe(400);

    const noFile = new FormData();
    noFile.append("expires_in_seconds", "3600");
    const missing = await raw("/v1/files", { apiKey, method: "POST", body: noFile });
    expect(missing.status).toBe(400);
    expect((await missing.json<any>()).error.message).toContain("file");
  });

  it("filters by scope_id and stops serving content once expired (files stored by sessions)", async () => {
    const { client, workspaceId } = await newTenant();
    const one = async (bytes: number[]) => ({ async *[Symbol.asyncIterator]() { yield new Uint8Array(bytes); } });
    const scoped = await storeFile(env, {
      workspaceId,
      filename: "out.txt",
      mimeType: "text/plain",
      body: await one([104, 105]),
      maxBytes: 100,
      scope: { type: "session", id: "sesn_x" },
    });
    const expired = await storeFile(env, {
      workspaceId,
      filename: "old.txt",
      mimeType: "text/plain",
      body: await one([1]),
      maxBytes: 100,
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });

    const page = await client.beta.files.list({ scope_id: "sesn_x" });
    expect(page.data.map((f) => f.id)).toEqual([scoped.id]);
    expect(page.data[0].scope).toEqual({ type: "session", id: "sesn_x" });
    expect(await (await client.beta.files.download(scoped.id)).text()).toBe("hi");

    expect((await client.beta.files.retrieveMetadata(expired.id)).expires_at).toBe(expired.expiresAt);
    expect(((await client.beta.files.download(expired.id).catch((e) => e)) as any).status).toBe(404);
  });
});

describe("multipart parser", () => {
  it("finds parts whatever the chunking, and is not fooled by near-boundaries in the data", async () => {
    const boundary = "b0undary";
    const tricky = `a\r\n--b0undar\r\n--\r\n-b0undary x\r\n`;
    const body = new TextEncoder().encode(
      `preamble\r\n--${boundary}\r\n` +
        `Content-Disposition: form-data; name="file"; filename="we%22ird \\"name.txt"\r\nContent-Type: text/plain\r\n\r\n` +
        `${tricky}\r\n--${boundary}\r\n` +
        `Content-Disposition: form-data; name="field"\r\n\r\nvalue\r\n--${boundary}--\r\nepilogue`,
    );
    for (const size of [1, 2, 3, 7, 64, body.length]) {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < body.length; at += size) controller.enqueue(body.slice(at, at + size));
          controller.close();
        },
      });
      const parts = [];
      for await (const part of parseMultipart(stream, boundary, 1e6)) {
        parts.push({ name: part.name, filename: part.filename, type: part.contentType, text: await partText(part) });
      }
      expect(parts).toEqual([
        { name: "file", filename: 'we"ird "name.txt', type: "text/plain", text: tricky },
        { name: "field", filename: undefined, type: undefined, text: "value" },
      ]);
    }
  });

  it("skips a part the consumer does not read", async () => {
    const form = new FormData();
    form.append("a", new Blob([new Uint8Array(100_000)]), "a.bin");
    form.append("b", "kept");
    const req = new Request("http://x", { method: "POST", body: form });
    const boundary = req.headers.get("content-type")!.split("boundary=")[1];
    const seen: Record<string, string> = {};
    for await (const part of parseMultipart(req.body!, boundary, 1e6)) {
      if (part.name === "b") seen.b = await partText(part);
    }
    expect(seen).toEqual({ b: "kept" });
  });
});
