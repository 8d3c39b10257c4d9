import { describe, expect, it } from "vitest";
import { toFile } from "@anthropic-ai/sdk";
import { newTenant, raw } from "./helpers/client";

/**
 * Clients on SDKs before 0.122 send `anthropic-beta: skills-2025-10-02` / `files-api-2025-04-14` and read those
 * betas' shapes (the SDK's changelog, 0.122.0). The current SDK cannot send them, so these requests are raw;
 * the same resources read through the SDK show the current shapes.
 */
const SKILLS_BETA = "skills-2025-10-02";
const FILES_BETA = "files-api-2025-04-14";

type Tenant = Awaited<ReturnType<typeof newTenant>>;

const skillMd = (name: string, description: string) => `---\nname: ${name}\ndescription: ${description}\n---\n\n# ${name}\n`;

function skillForm(name: string, description: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.append("files[]", new File([skillMd(name, description)], `${name}/SKILL.md`, { type: "text/markdown" }));
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  return form;
}

/** A request as an SDK before 0.122 sends it. */
async function old(tenant: Tenant, beta: string, path: string, init: RequestInit = {}) {
  const res = await raw(path, { ...init, apiKey: tenant.apiKey, headers: { "anthropic-beta": beta } });
  return { status: res.status, body: await res.json<any>() };
}

const oldSkills = (tenant: Tenant, path: string, init?: RequestInit) => old(tenant, SKILLS_BETA, path, init);
const oldFiles = (tenant: Tenant, path: string, init?: RequestInit) => old(tenant, FILES_BETA, path, init);

describe("skills-2025-10-02", () => {
  it("takes display_title and answers with display_title, latest_version and source as that beta had them", async () => {
    const tenant = await newTenant();
    const created = await oldSkills(tenant, "/v1/skills", { method: "POST", body: skillForm("pdf-tools", "Reads PDFs.", { display_title: "PDF tools" }) });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toEqual({
      type: "skill",
      id: expect.stringMatching(/^skill_/),
      display_title: "PDF tools",
      latest_version: expect.stringMatching(/^\d{16}$/),
      source: "custom",
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const skillId = created.body.id;
    expect((await oldSkills(tenant, `/v1/skills/${skillId}`)).body).toEqual(created.body);
    expect((await oldSkills(tenant, "/v1/skills")).body).toEqual({ data: [created.body], next_page: null });

    // The same skill through the current SDK: the current names, the version's id for latest.
    const current = await tenant.client.beta.skills.retrieve(skillId);
    expect(current).toMatchObject({ display_name: "PDF tools", source: { type: "custom" } });
    expect(current.latest_version_id).toMatch(/^skillver_/);
    const first = await oldSkills(tenant, `/v1/skills/${skillId}/versions/${created.body.latest_version}`);
    expect(first.body).toMatchObject({ id: current.latest_version_id, version: created.body.latest_version });

    // A bad title is named as the request named it.
    const blank = await oldSkills(tenant, "/v1/skills", { method: "POST", body: skillForm("blank", "x", { display_title: " " }) });
    expect(blank.status).toBe(400);
    expect(blank.body.error.message).toMatch(/^display_title: /);

    // Without the beta the old field name is not the current one.
    const refused = await raw("/v1/skills", { method: "POST", apiKey: tenant.apiKey, body: skillForm("other", "x", { display_title: "T" }) });
    expect(refused.status).toBe(400);
    expect((await refused.json<any>()).error.message).toMatch(/display_title/);
  });

  it("names versions by their Unix-microsecond number: in each version, in paths, and in deletes", async () => {
    const tenant = await newTenant();
    const skill = (await oldSkills(tenant, "/v1/skills", { method: "POST", body: skillForm("notes", "First.") })).body;
    expect(skill.display_title).toBe("notes");
    const added = await oldSkills(tenant, `/v1/skills/${skill.id}/versions`, { method: "POST", body: skillForm("notes", "Second.") });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body).toEqual({
      type: "skill_version",
      id: expect.stringMatching(/^skillver_/),
      skill_id: skill.id,
      name: "notes",
      directory: "notes",
      description: "Second.",
      version: expect.stringMatching(/^\d{16}$/),
      created_at: expect.any(String),
    });
    // The number is the creation time, in microseconds.
    expect(Math.abs(Number(added.body.version) / 1000 - Date.parse(added.body.created_at))).toBeLessThan(1000);
    expect(added.body.version).not.toBe(skill.latest_version);
    expect((await oldSkills(tenant, `/v1/skills/${skill.id}`)).body.latest_version).toBe(added.body.version);

    const versions = await oldSkills(tenant, `/v1/skills/${skill.id}/versions`);
    expect(versions.body.data.map((v: any) => v.version)).toEqual([added.body.version, skill.latest_version]);
    expect((await oldSkills(tenant, `/v1/skills/${skill.id}/versions/${added.body.version}`)).body).toEqual(added.body);
    const content = await raw(`/v1/skills/${skill.id}/versions/${skill.latest_version}/content`, { apiKey: tenant.apiKey, headers: { "anthropic-beta": SKILLS_BETA } });
    expect(content.status).toBe(200);
    expect(content.headers.get("content-type")).toBe("application/zip");
    await content.arrayBuffer();

    const missing = await oldSkills(tenant, `/v1/skills/${skill.id}/versions/1759178010641129`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.type).toBe("not_found_error");

    const deleted = await oldSkills(tenant, `/v1/skills/${skill.id}/versions/${added.body.version}`, { method: "DELETE" });
    expect(deleted.body).toEqual({ id: added.body.version, type: "skill_version_deleted" });
    expect((await oldSkills(tenant, `/v1/skills/${skill.id}`)).body.latest_version).toBe(skill.latest_version);
    // The current SDK still addresses versions by id.
    expect((await tenant.client.beta.skills.versions.list(skill.id)).data.map((v) => v.id)).toEqual([versions.body.data[1].id]);
  });

  it("lets its clients delete every version and then the skill, as that beta required", async () => {
    const tenant = await newTenant();
    const skill = (await oldSkills(tenant, "/v1/skills", { method: "POST", body: skillForm("scratch", "Only one.") })).body;
    // The current API keeps a skill's last version (delete the skill instead).
    const kept = await raw(`/v1/skills/${skill.id}/versions/${(await tenant.client.beta.skills.retrieve(skill.id)).latest_version_id}`, { method: "DELETE", apiKey: tenant.apiKey });
    expect(kept.status).toBe(409);

    const deleted = await oldSkills(tenant, `/v1/skills/${skill.id}/versions/${skill.latest_version}`, { method: "DELETE" });
    expect(deleted.body).toEqual({ id: skill.latest_version, type: "skill_version_deleted" });
    expect((await oldSkills(tenant, `/v1/skills/${skill.id}`)).body).toMatchObject({ id: skill.id, latest_version: null });
    expect((await oldSkills(tenant, `/v1/skills/${skill.id}/versions`)).body.data).toEqual([]);
    expect((await oldSkills(tenant, `/v1/skills/${skill.id}/versions/latest`)).status).toBe(404);

    const gone = await oldSkills(tenant, `/v1/skills/${skill.id}`, { method: "DELETE" });
    expect(gone.body).toEqual({ id: skill.id, type: "skill_deleted" });
    expect((await oldSkills(tenant, `/v1/skills/${skill.id}`)).status).toBe(404);
  });

  it("adds a version to a skill left with none, which becomes its latest again", async () => {
    const tenant = await newTenant();
    const skill = (await oldSkills(tenant, "/v1/skills", { method: "POST", body: skillForm("again", "One.") })).body;
    await oldSkills(tenant, `/v1/skills/${skill.id}/versions/${skill.latest_version}`, { method: "DELETE" });
    const added = (await oldSkills(tenant, `/v1/skills/${skill.id}/versions`, { method: "POST", body: skillForm("again", "Two.") })).body;
    expect((await oldSkills(tenant, `/v1/skills/${skill.id}`)).body.latest_version).toBe(added.version);
    expect((await tenant.client.beta.skills.retrieve(skill.id)).latest_version_id).toBe(added.id);
  });
});

describe("files-api-2025-04-14", () => {
  it("lists files as the old Page: has_more, first_id, last_id, paged with after_id and before_id", async () => {
    const tenant = await newTenant();
    const ids: string[] = [];
    for (const name of ["a.txt", "b.txt", "c.txt"]) {
      ids.push((await tenant.client.beta.files.upload({ file: await toFile(new TextEncoder().encode(name), name) })).id);
    }
    const [a, b, c] = ids;

    const first = await oldFiles(tenant, "/v1/files?limit=2");
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ data: [expect.objectContaining({ id: c, type: "file" }), expect.objectContaining({ id: b })], has_more: true, first_id: c, last_id: b });
    expect(first.body).not.toHaveProperty("next_page");
    const next = await oldFiles(tenant, `/v1/files?limit=2&after_id=${b}`);
    expect(next.body).toMatchObject({ data: [{ id: a }], has_more: false, first_id: a, last_id: a });
    const back = await oldFiles(tenant, `/v1/files?limit=1&before_id=${a}`);
    expect(back.body).toMatchObject({ data: [{ id: b }], has_more: true, first_id: b, last_id: b });
    const newer = await oldFiles(tenant, `/v1/files?before_id=${a}`);
    expect(newer.body).toMatchObject({ data: [{ id: c }, { id: b }], has_more: false });
    const empty = await oldFiles(tenant, `/v1/files?after_id=${a}`);
    expect(empty.body).toEqual({ data: [], has_more: false, first_id: null, last_id: null });

    const byIds = await oldFiles(tenant, `/v1/files?ids[]=${a}&ids[]=${c}`);
    expect(byIds.body).toMatchObject({ data: [{ id: c }, { id: a }], has_more: false, first_id: c, last_id: a });

    // Each beta pages its own way; a request mixing them is refused rather than half read.
    expect((await oldFiles(tenant, `/v1/files?before_id=${a}&after_id=${c}`)).status).toBe(400);
    const withPage = await oldFiles(tenant, "/v1/files?page=abc");
    expect(withPage.status).toBe(400);
    expect(withPage.body.error.message).toMatch(/before_id \/ after_id/);
    const current = await raw(`/v1/files?after_id=${b}`, { apiKey: tenant.apiKey });
    expect(current.status).toBe(400);
    expect((await current.json<any>()).error.message).toMatch(/after_id: only with anthropic-beta files-api-2025-04-14/);

    // The current SDK: PageCursor with next_page, every file once.
    const page = await tenant.client.beta.files.list({ limit: 2 });
    expect(page.next_page).toEqual(expect.any(String));
    const all: string[] = [];
    for await (const f of tenant.client.beta.files.list({ limit: 2 })) all.push(f.id);
    expect(all).toEqual([c, b, a]);
  });
});
