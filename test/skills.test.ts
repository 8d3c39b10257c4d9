import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { toFile } from "@anthropic-ai/sdk";
import { newTenant, raw } from "./helpers/client";
import { unzip } from "../src/lib/zip";
import { loadSkillVersionFiles } from "../src/db/queries/skills";

type Client = Awaited<ReturnType<typeof newTenant>>["client"];

const text = (s: string) => new TextEncoder().encode(s);
const skillMd = (name: string | undefined, description: string | undefined, body = "# Use me\n") =>
  [
    "---",
    ...(name !== undefined ? [`name: ${name}`] : []),
    ...(description !== undefined ? [`description: ${description}`] : []),
    "---",
    "",
    body,
  ].join("\n");

/** Bytes a script might hold, including CR/LF pairs and every byte value. */
const SCRIPT = Uint8Array.from({ length: 600 }, (_, i) => (i * 13) & 0xff);

async function skillFiles(dir: string, md: string) {
  return [await toFile(text(md), `${dir}/SKILL.md`), await toFile(SCRIPT, `${dir}/scripts/run.bin`)];
}

async function createSkill(client: Client, name = "pdf-tools", description = "Extracts text from PDFs.") {
  return client.beta.skills.create({ files: await skillFiles(name, skillMd(name, description)) });
}

async function download(res: Response) {
  expect(res.headers.get("content-type")).toBe("application/zip");
  const bytes = new Uint8Array(await res.arrayBuffer());
  // What the SDK's worker sniffs to choose `unzip`.
  expect([...bytes.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
  return Object.fromEntries((await unzip(bytes, 1e9)).map((e) => [e.path, e.bytes]));
}

/** The 400's message, asserting the type along the way. */
async function badRequestMessage(promise: Promise<unknown>): Promise<string> {
  const err: any = await promise.catch((e) => e);
  expect(err.status).toBe(400);
  expect(err.error.error.type).toBe("invalid_request_error");
  return err.error.error.message;
}

async function skillCount(client: Client) {
  let n = 0;
  for await (const _ of client.beta.skills.list()) n++;
  return n;
}

describe("skills", () => {
  it("creates a skill from files[] parts named by path, with a first version", async () => {
    const { client } = await newTenant();
    const skill = await createSkill(client);
    expect(skill).toMatchObject({
      type: "skill",
      display_name: "pdf-tools",
      source: { type: "custom" },
    });
    expect(skill.id).toMatch(/^skill_/);
    expect(skill.latest_version_id).toBeTruthy();
    expect(skill.updated_at).toBe(skill.created_at);
    expect(await client.beta.skills.retrieve(skill.id)).toEqual(skill);

    const version = await client.beta.skills.versions.retrieve(skill.latest_version_id, { skill_id: skill.id });
    expect(version).toMatchObject({
      type: "skill_version",
      id: skill.latest_version_id,
      skill_id: skill.id,
      name: "pdf-tools",
      description: "Extracts text from PDFs.",
    });
    expect(await client.beta.skills.versions.retrieve("latest", { skill_id: skill.id })).toEqual(version);
  });

  it("serves a version as a zip wrapped in the skill's directory, as the SDK's worker extracts it", async () => {
    const { client } = await newTenant();
    const skill = await createSkill(client);
    // The worker's own sequence: resolve the pinned version (maybe "latest"), then download by id.
    const version = await client.beta.skills.versions.retrieve("latest", { skill_id: skill.id });
    const res = await client.beta.skills.versions.download(version.id, { skill_id: skill.id });
    expect(res.headers.get("content-disposition")).toContain('filename="pdf-tools.zip"');
    const files = await download(res);
    expect(Object.keys(files).sort()).toEqual(["pdf-tools/SKILL.md", "pdf-tools/scripts/run.bin"]);
    expect(new TextDecoder().decode(files["pdf-tools/SKILL.md"])).toBe(skillMd("pdf-tools", "Extracts text from PDFs."));
    expect(files["pdf-tools/scripts/run.bin"]).toEqual(SCRIPT);
  });

  it("uses display_name when given, and validates it", async () => {
    const { client } = await newTenant();
    const skill = await client.beta.skills.create({
      display_name: "PDF Tools",
      files: await skillFiles("pdf-tools", skillMd("pdf-tools", "d")),
    });
    expect(skill.display_name).toBe("PDF Tools");

    const message = await badRequestMessage(
      client.beta.skills.create({ display_name: "x".repeat(256), files: await skillFiles("a", skillMd("a", "d")) }),
    );
    expect(message).toContain("display_name");
    expect(await skillCount(client)).toBe(1);
  });

  it("accepts one zip of the skill directory, deflated, skipping OS litter", async () => {
    const { client } = await newTenant();
    const archive = Uint8Array.from(atob(DEFLATED_ZIP), (c) => c.charCodeAt(0));
    const skill = await client.beta.skills.create({ files: [await toFile(archive, "zipped-skill.zip")] });
    const files = await download(await client.beta.skills.versions.download("latest", { skill_id: skill.id }));
    expect(Object.keys(files).sort()).toEqual(["zipped-skill/SKILL.md", "zipped-skill/ref/notes.txt"]);
    expect(new TextDecoder().decode(files["zipped-skill/ref/notes.txt"])).toBe("notes ".repeat(30));
  });

  it("accepts a flat upload with SKILL.md at the root and wraps it in the skill's name", async () => {
    const { client } = await newTenant();
    const skill = await client.beta.skills.create({
      files: [await toFile(text(skillMd("flat-skill", "d")), "SKILL.md"), await toFile(SCRIPT, "lib/x.bin")],
    });
    const files = await download(await client.beta.skills.versions.download("latest", { skill_id: skill.id }));
    expect(Object.keys(files).sort()).toEqual(["flat-skill/SKILL.md", "flat-skill/lib/x.bin"]);
  });

  it("takes the name from the directory when the front matter has none", async () => {
    const { client } = await newTenant();
    const skill = await client.beta.skills.create({ files: await skillFiles("dir-named", skillMd(undefined, "d")) });
    expect(skill.display_name).toBe("dir-named");
  });

  it("rejects uploads without a valid SKILL.md with 400 and creates nothing", async () => {
    const { client } = await newTenant();
    const cases: Array<[() => Promise<unknown>, string]> = [
      [async () => client.beta.skills.create({ files: [await toFile(SCRIPT, "my-skill/run.bin")] }), "SKILL.md is required"],
      [
        async () =>
          client.beta.skills.create({ files: [await toFile(text("# no front matter"), "my-skill/SKILL.md")] }),
        "front matter",
      ],
      [async () => client.beta.skills.create({ files: await skillFiles("my-skill", skillMd("my-skill", undefined)) }), "description"],
      [async () => client.beta.skills.create({ files: await skillFiles("my-skill", skillMd("My Skill", "d")) }), "name"],
      [async () => client.beta.skills.create({ files: await skillFiles("my-skill", skillMd("claude-helper", "d")) }), "reserved"],
      [
        async () =>
          client.beta.skills.create({
          files: [await toFile(text(skillMd("a", "d")), "a/SKILL.md"), await toFile(SCRIPT, "b/run.bin")],
        }),
        "same top-level directory",
      ],
      [async () => client.beta.skills.create({ files: [await toFile(text(skillMd("a", "d")), "a/../SKILL.md")] }), ".."],
      [async () => client.beta.skills.create({ files: [] }), "files"],
    ];
    // Thunks: a rejected promise must not sit unawaited while an earlier case runs.
    for (const [call, expected] of cases) expect(await badRequestMessage(call())).toContain(expected);
    expect(await skillCount(client)).toBe(0);
  });

  it("rejects unknown form fields and non-multipart bodies", async () => {
    const { apiKey, client } = await newTenant();
    const form = new FormData();
    form.append("files[]", new Blob([skillMd("a", "d")]), "a/SKILL.md");
    form.append("display_title", "old field name");
    const unknown = await raw("/v1/skills", { apiKey, method: "POST", body: form });
    expect(unknown.status).toBe(400);
    expect((await unknown.json<any>()).error.message).toContain("display_title");

    const json = await raw("/v1/skills", {
      apiKey,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(400);
    expect(await skillCount(client)).toBe(0);
  });

  it("adds versions: latest moves, old versions keep their content, the name is fixed", async () => {
    const { client } = await newTenant();
    const skill = await createSkill(client, "pdf-tools", "First.");
    const v1 = skill.latest_version_id;
    const v2 = await client.beta.skills.versions.create(skill.id, {
      files: await skillFiles("pdf-tools", skillMd("pdf-tools", "Second.")),
    });
    expect(v2).toMatchObject({ type: "skill_version", skill_id: skill.id, name: "pdf-tools", description: "Second." });

    const after = await client.beta.skills.retrieve(skill.id);
    expect(after.latest_version_id).toBe(v2.id);
    expect(after.updated_at >= skill.updated_at).toBe(true);
    expect((await client.beta.skills.versions.retrieve("latest", { skill_id: skill.id })).id).toBe(v2.id);

    const listed: string[] = [];
    for await (const v of client.beta.skills.versions.list(skill.id, { limit: 1 })) listed.push(v.id);
    expect(listed).toEqual([v2.id, v1]);

    const old = await download(await client.beta.skills.versions.download(v1, { skill_id: skill.id }));
    expect(new TextDecoder().decode(old["pdf-tools/SKILL.md"])).toContain("description: First.");

    const message = await badRequestMessage(
      client.beta.skills.versions.create(skill.id, { files: await skillFiles("other", skillMd("other", "d")) }),
    );
    expect(message).toContain("does not match");
    const missing = await badRequestMessage(
      client.beta.skills.versions.create(skill.id, { files: [await toFile(SCRIPT, "pdf-tools/x.bin")] }),
    );
    expect(missing).toContain("SKILL.md");
    expect((await client.beta.skills.versions.list(skill.id)).data).toHaveLength(2);
  });

  it("deletes versions: latest falls back, the last one is kept, latest is not an id", async () => {
    const { client } = await newTenant();
    const skill = await createSkill(client);
    const v1 = skill.latest_version_id;
    const v2 = await client.beta.skills.versions.create(skill.id, { files: await skillFiles("pdf-tools", skillMd("pdf-tools", "2")) });

    const latest: any = await client.beta.skills.versions.delete("latest", { skill_id: skill.id }).catch((e) => e);
    expect(latest.status).toBe(400);

    expect(await client.beta.skills.versions.delete(v2.id, { skill_id: skill.id })).toEqual({
      id: v2.id,
      type: "skill_version_deleted",
    });
    expect((await client.beta.skills.retrieve(skill.id)).latest_version_id).toBe(v1);
    const gone: any = await client.beta.skills.versions.retrieve(v2.id, { skill_id: skill.id }).catch((e) => e);
    expect(gone.status).toBe(404);

    const only: any = await client.beta.skills.versions.delete(v1, { skill_id: skill.id }).catch((e) => e);
    expect(only.status).toBe(409);
    expect(only.error.error.type).toBe("conflict_error");
    expect((await client.beta.skills.versions.retrieve(v1, { skill_id: skill.id })).id).toBe(v1);
  });

  it("deletes a skill with its versions and their content", async () => {
    const { client, workspaceId } = await newTenant();
    const skill = await createSkill(client);
    await client.beta.skills.versions.create(skill.id, { files: await skillFiles("pdf-tools", skillMd("pdf-tools", "2")) });
    const prefix = `workspaces/${workspaceId}/skills/${skill.id}/`;
    expect((await env.BLOBS.list({ prefix })).objects).toHaveLength(2);

    expect(await client.beta.skills.delete(skill.id)).toEqual({ id: skill.id, type: "skill_deleted" });
    for (const call of [
      () => client.beta.skills.retrieve(skill.id),
      () => client.beta.skills.versions.list(skill.id),
      () => client.beta.skills.versions.retrieve(skill.latest_version_id, { skill_id: skill.id }),
      () => client.beta.skills.versions.download("latest", { skill_id: skill.id }),
      () => client.beta.skills.delete(skill.id),
    ]) {
      expect(((await call().catch((e) => e)) as any).status).toBe(404);
    }
    expect((await env.BLOBS.list({ prefix })).objects).toHaveLength(0);
  });

  it("lists skills across pages and filters by source", async () => {
    const { client } = await newTenant();
    const ids = [];
    for (const name of ["one", "two", "three"]) ids.push((await createSkill(client, name, "d")).id);
    const seen: string[] = [];
    for await (const s of client.beta.skills.list({ limit: 2 })) seen.push(s.id);
    expect(seen).toEqual([...ids].reverse());
    expect((await client.beta.skills.list({ source: "custom" })).data).toHaveLength(3);
    expect((await client.beta.skills.list({ source: "anthropic" })).data).toHaveLength(0);
    expect(await badRequestMessage(client.beta.skills.list({ source: "nope" }))).toContain("source");
  });

  it("isolates tenants: another workspace's skill is a 404 everywhere", async () => {
    const a = await newTenant("a");
    const b = await newTenant("b");
    const skill = await createSkill(a.client);
    const version = skill.latest_version_id;
    for (const call of [
      () => b.client.beta.skills.retrieve(skill.id),
      () => b.client.beta.skills.delete(skill.id),
      () => b.client.beta.skills.versions.list(skill.id),
      () => b.client.beta.skills.versions.retrieve(version, { skill_id: skill.id }),
      () => b.client.beta.skills.versions.download(version, { skill_id: skill.id }),
      () => b.client.beta.skills.versions.delete(version, { skill_id: skill.id }),
      async () => b.client.beta.skills.versions.create(skill.id, { files: await skillFiles("pdf-tools", skillMd("pdf-tools", "x")) }),
    ]) {
      expect(((await call().catch((e) => e)) as any).status).toBe(404);
    }
    expect(await skillCount(b.client)).toBe(0);
    await expect(loadSkillVersionFiles(env, b.workspaceId, skill.id, version)).rejects.toMatchObject({ status: 404 });
    expect((await a.client.beta.skills.versions.list(skill.id)).data).toHaveLength(1);
  });

  it("gives the hands a version's files relative to the skill directory", async () => {
    const { client, workspaceId } = await newTenant();
    const skill = await createSkill(client);
    const loaded = await loadSkillVersionFiles(env, workspaceId, skill.id, "latest");
    expect(loaded).toMatchObject({
      skillId: skill.id,
      versionId: skill.latest_version_id,
      name: "pdf-tools",
      description: "Extracts text from PDFs.",
    });
    expect(loaded.files.map((f) => f.path)).toEqual(["SKILL.md", "scripts/run.bin"]);
    expect(loaded.files[1].bytes).toEqual(SCRIPT);
  });

  it("refuses a skill upload over the size limit with 413", async () => {
    const { client } = await newTenant();
    const big = new Uint8Array(Number(env.MAX_UPLOAD_BYTES) + 1);
    const err: any = await client.beta.skills
      .create({ files: [await toFile(text(skillMd("big", "d")), "big/SKILL.md"), await toFile(big, "big/blob.bin")] })
      .catch((e) => e);
    expect(err.status).toBe(413);
    expect(err.error.error.type).toBe("request_too_large");
    expect(await skillCount(client)).toBe(0);
  });
});

/** Made with Python's zipfile (ZIP_DEFLATED): a skill dir plus a __MACOSX entry to be skipped. */
const DEFLATED_ZIP =
  "UEsDBBQAAAAIAGKDeV2Sdi5kUgAAAP0BAAAVAAAAemlwcGVkLXNraWxsL1NLSUxMLm1k7cvBDYAgDEbhe6foAmUArm7gBsT+JI0UCHByenUME2/f4T0RoZockS/rHSrztFJIMY9hfVmrkbfmmJxHc06syCUt6NsHkmenHR1psSPwzw+RblBLAwQUAAAACABig3ldvHn9VQsAAAC0AAAAGgAAAHppcHBlZC1za2lsbC9yZWYvbm90ZXMudHh0y8svSS1WyBtSJABQSwMEFAAAAAgAYoN5XTmc+wYGAAAABAAAACAAAABfX01BQ09TWC96aXBwZWQtc2tpbGwvLl9TS0lMTC5tZMsqzcsGAFBLAQIUAxQAAAAIAGKDeV2Sdi5kUgAAAP0BAAAVAAAAAAAAAAAAAACAAQAAAAB6aXBwZWQtc2tpbGwvU0tJTEwubWRQSwECFAMUAAAACABig3ldvHn9VQsAAAC0AAAAGgAAAAAAAAAAAAAAgAGFAAAAemlwcGVkLXNraWxsL3JlZi9ub3Rlcy50eHRQSwECFAMUAAAACABig3ldOZz7BgYAAAAEAAAAIAAAAAAAAAAAAAAAgAHIAAAAX19NQUNPU1gvemlwcGVkLXNraWxsLy5fU0tJTEwubWRQSwUGAAAAAAMAAwDZAAAADAEAAAAA";
