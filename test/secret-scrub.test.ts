import { describe, expect, it } from "vitest";
import { scrubResponse, scrubSecretText, type EgressSecret } from "../src/hands/egress-secrets";
import { secretForms } from "../src/hands/secret-scrub";

const SECRET = "sk-live/Ab+9_é~x%Q\"z";
const PLACEHOLDER = "ma_placeholder_vcrd_scrub";
const secrets: EgressSecret[] = [{ name: "API_TOKEN", placeholder: PLACEHOLDER, value: SECRET, hosts: "all", header: true, body: false }];
const bytes = new TextEncoder().encode(SECRET);
const b64 = (data: Uint8Array | string) => btoa(typeof data === "string" ? data : String.fromCharCode(...data));
const utf8Binary = (text: string) => String.fromCharCode(...new TextEncoder().encode(text));
const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Every way a reflecting host plausibly hands the secret back. */
const reflections: Record<string, string> = {
  raw: `Bearer ${SECRET}`,
  base64: b64(bytes),
  base64Unpadded: b64(bytes).replace(/=+$/, ""),
  base64url: b64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
  basicAuth: `Basic ${b64(utf8Binary(`user:${SECRET}`))}`,
  basicAuthShifted: b64(utf8Binary(`us:${SECRET}!`)),
  basicAuthShifted2: b64(utf8Binary(`u:${SECRET}??`)),
  urlEncoded: `token=${encodeURIComponent(SECRET)}`,
  urlEncodedLower: encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  formEncoded: new URLSearchParams({ token: SECRET }).toString(),
  hexLower: hex,
  hexUpper: hex.toUpperCase(),
  json: JSON.stringify({ headers: { Authorization: `Bearer ${SECRET}` } }),
  jsonSlashes: JSON.stringify({ a: SECRET }).replace(/\//g, "\\/"),
  jsonAscii: JSON.stringify({ a: SECRET }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
};

function chunked(text: string, size: number): ReadableStream<Uint8Array> {
  const all = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= all.length) return controller.close();
      controller.enqueue(all.slice(offset, offset + size));
      offset += size;
    },
  });
}

describe("scrubbing secrets out of responses", () => {
  it.each(Object.entries(reflections))("scrubs the %s form from text", (_form, reflected) => {
    const scrubbed = scrubSecretText(secrets, `before ${reflected} after`);
    expect(scrubbed).toContain(PLACEHOLDER);
    for (const form of secretForms(SECRET)) expect(scrubbed).not.toContain(form);
    expect(scrubbed.startsWith("before ")).toBe(true);
    expect(scrubbed.endsWith(" after")).toBe(true);
  });

  it("finds forms split across every possible chunk boundary, in headers, status text and body", async () => {
    const body = Object.values(reflections).join("\n");
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const response = await scrubResponse(
        secrets,
        new Response(chunked(body, size), { status: 200, headers: { "x-echo": `Bearer ${b64(bytes)}`, "content-length": "1" } }),
      );
      const text = await response.text();
      for (const form of secretForms(SECRET)) expect(text, `chunks of ${size}`).not.toContain(form);
      expect(text.split(PLACEHOLDER).length - 1).toBeGreaterThanOrEqual(Object.keys(reflections).length);
      expect(response.headers.get("x-echo")).toBe(`Bearer ${PLACEHOLDER}`);
      expect(response.headers.get("content-length")).toBeNull();
    }
  });

  it("leaves unrelated bytes alone, binary included", async () => {
    const binary = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) % 256);
    const response = await scrubResponse(secrets, new Response(binary));
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(binary);
    expect(scrubSecretText(secrets, "nothing to see")).toBe("nothing to see");
  });

  it("streams a large body through without holding it whole", async () => {
    const chunk = new TextEncoder().encode(`${"x".repeat(65_536 - SECRET.length - 1)}${SECRET}\n`);
    const chunks = 512; // 32 MiB
    let sent = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= chunks) return controller.close();
        controller.enqueue(chunk);
      },
    });
    const reader = (await scrubResponse(secrets, new Response(source))).body!.getReader();
    let total = 0;
    let largest = 0;
    let found = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      largest = Math.max(largest, value.byteLength);
      found += new TextDecoder().decode(value).includes(SECRET) ? 1 : 0;
    }
    expect(found).toBe(0);
    expect(total).toBe(chunks * (chunk.byteLength - new TextEncoder().encode(SECRET).byteLength + PLACEHOLDER.length));
    expect(largest).toBeLessThan(2 * chunk.byteLength);
  });

  it("does not scrub values too short to be told apart from ordinary text", () => {
    const short: EgressSecret[] = [{ ...secrets[0], value: "abc" }];
    expect(scrubSecretText(short, "abcabc")).toBe("abcabc");
  });
});
