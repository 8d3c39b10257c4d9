import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { collect } from "./helpers/assertions";
import { newTenant, raw } from "./helpers/client";
import { expectRejected } from "./helpers/sessions";
import { CA_NOT_AFTER, CA_PEM, CA_SHA256, LEAF_PEM, SECOND_CA_PEM, THIRD_CA_PEM } from "./fixtures/tunnel-certificates";

describe("MCP tunnels: the resource", () => {
  it("creates, retrieves, lists and archives tunnels with unique hostnames", async () => {
    const { client } = await newTenant();
    const a = await client.beta.tunnels.create({ display_name: "office" });
    expect(a).toEqual({
      type: "tunnel",
      id: expect.stringMatching(/^tnl_/),
      display_name: "office",
      domain: expect.stringMatching(/^t[a-z2-7]{20}\.tunnel\.internal$/),
      created_at: expect.any(String),
      archived_at: null,
    });
    const b = await client.beta.tunnels.create({});
    expect(b.display_name).toBeNull();
    expect(b.domain).not.toBe(a.domain);
    expect(await client.beta.tunnels.retrieve(a.id)).toEqual(a);
    expect((await collect(client.beta.tunnels.list())).map((t) => t.id)).toEqual([b.id, a.id]);

    const archived = await client.beta.tunnels.archive(a.id);
    expect(archived.archived_at).not.toBeNull();
    expect(await client.beta.tunnels.archive(a.id)).toEqual(archived);
    expect((await collect(client.beta.tunnels.list())).map((t) => t.id)).toEqual([b.id]);
    expect((await collect(client.beta.tunnels.list({ include_archived: true }))).map((t) => t.id)).toEqual([b.id, a.id]);
  });

  it("reveals the same token until it is rotated; rotation records its reason", async () => {
    const { client } = await newTenant();
    const tunnel = await client.beta.tunnels.create({});
    const first = await client.beta.tunnels.revealToken(tunnel.id);
    expect(first).toEqual({ type: "tunnel_token", id: expect.any(String), tunnel_token: expect.stringMatching(/^tnltok_/) });
    expect(await client.beta.tunnels.revealToken(tunnel.id)).toEqual(first);
    const rotated = await client.beta.tunnels.rotateToken(tunnel.id, { reason: "laptop lost" });
    expect(rotated.id).not.toBe(first.id);
    expect(rotated.tunnel_token).not.toBe(first.tunnel_token);
    expect(await client.beta.tunnels.revealToken(tunnel.id)).toEqual(rotated);
    const audit = await env.DB.prepare("SELECT reason FROM tunnel_token_rotations WHERE tunnel_id = ?").bind(tunnel.id).all();
    expect(audit.results).toEqual([{ reason: "laptop lost" }]);
    // The token is never stored.
    const stored = JSON.stringify(await env.DB.prepare("SELECT * FROM tunnels WHERE id = ?").bind(tunnel.id).first());
    expect(stored).not.toContain(rotated.tunnel_token.split(".").at(-1));
    await client.beta.tunnels.archive(tunnel.id);
    await expectRejected(client.beta.tunnels.revealToken(tunnel.id), 400, "invalid_request_error", /archived/);
    await expectRejected(client.beta.tunnels.rotateToken(tunnel.id, {}), 400, "invalid_request_error", /archived/);
  });

  it("registers CA certificates (fingerprint, expiry), at most two at once; archiving the tunnel archives them", async () => {
    const { client } = await newTenant();
    const tunnel = await client.beta.tunnels.create({});
    const cert = await client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: CA_PEM });
    expect(cert).toEqual({
      type: "tunnel_certificate",
      id: expect.stringMatching(/^tcrt_/),
      tunnel_id: tunnel.id,
      fingerprint: CA_SHA256,
      expires_at: new Date(CA_NOT_AFTER).toISOString(),
      created_at: expect.any(String),
      archived_at: null,
    });
    expect(await client.beta.tunnels.certificates.retrieve(cert.id, { tunnel_id: tunnel.id })).toEqual(cert);
    const second = await client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: SECOND_CA_PEM });
    await expectRejected(
      client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: THIRD_CA_PEM }),
      400,
      "invalid_request_error",
      /already trusts 2 certificates/,
    );
    const archivedCert = await client.beta.tunnels.certificates.archive(cert.id, { tunnel_id: tunnel.id });
    expect(archivedCert.archived_at).not.toBeNull();
    await client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: THIRD_CA_PEM });
    expect((await collect(client.beta.tunnels.certificates.list(tunnel.id))).length).toBe(2);
    expect((await collect(client.beta.tunnels.certificates.list(tunnel.id, { include_archived: true }))).length).toBe(3);

    await client.beta.tunnels.archive(tunnel.id);
    const after = await collect(client.beta.tunnels.certificates.list(tunnel.id, { include_archived: true }));
    expect(after.every((c) => c.archived_at !== null)).toBe(true);
    expect(after.find((c) => c.id === second.id)!.archived_at).not.toBeNull();
    await expectRejected(
      client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: CA_PEM }),
      400,
      "invalid_request_error",
      /archived/,
    );
  });

  it("refuses bad certificates and bad input with a 4xx naming the problem, storing nothing", async () => {
    const { client } = await newTenant();
    const tunnel = await client.beta.tunnels.create({});
    const key = ["-----BEGIN PRIVATE", " KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE", " KEY-----\n"].join("");
    const cases: [string, RegExp][] = [
      [LEAF_PEM, /must be a CA certificate/],
      [CA_PEM + "\n" + SECOND_CA_PEM, /exactly one PEM certificate/],
      [CA_PEM + "\n" + key, /private-key material/],
      ["not a certificate", /exactly one PEM certificate/],
      ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", /not a valid/],
      [CA_PEM + " ".repeat(8 * 1024), /at most 8192 bytes/],
    ];
    for (const [pem, message] of cases) {
      await expectRejected(client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: pem }), 400, "invalid_request_error", message);
    }
    expect(await collect(client.beta.tunnels.certificates.list(tunnel.id, { include_archived: true }))).toEqual([]);
    await expectRejected(client.beta.tunnels.create({ display_name: "x".repeat(256) }), 400, "invalid_request_error", /display_name/);
    const noBeta = await raw("/v1/tunnels", { apiKey: (await newTenant()).apiKey });
    expect(noBeta.status).toBe(400);
    expect(await noBeta.text()).toContain("mcp-tunnels-2026-06-22");
  });

  it("keeps tunnels and their certificates invisible to another workspace", async () => {
    const mine = await newTenant();
    const other = await newTenant();
    const tunnel = await mine.client.beta.tunnels.create({});
    const cert = await mine.client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: CA_PEM });
    for (const call of [
      () => other.client.beta.tunnels.retrieve(tunnel.id),
      () => other.client.beta.tunnels.archive(tunnel.id),
      () => other.client.beta.tunnels.revealToken(tunnel.id),
      () => other.client.beta.tunnels.rotateToken(tunnel.id, {}),
      () => other.client.beta.tunnels.certificates.create(tunnel.id, { ca_certificate_pem: SECOND_CA_PEM }),
      () => other.client.beta.tunnels.certificates.retrieve(cert.id, { tunnel_id: tunnel.id }),
      () => other.client.beta.tunnels.certificates.archive(cert.id, { tunnel_id: tunnel.id }),
    ]) {
      await expectRejected(call(), 404, "not_found_error");
    }
    await expectRejected(collect(other.client.beta.tunnels.certificates.list(tunnel.id)), 404, "not_found_error");
    expect(await collect(other.client.beta.tunnels.list())).toEqual([]);
    expect((await mine.client.beta.tunnels.retrieve(tunnel.id)).archived_at).toBeNull();
  });
});
