import { Hono, type Context } from "hono";
import { and, count, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import type { AppEnv } from "../env";
import { database } from "../db/client";
import { skills, skillVersions } from "../db/schema";
import {
  LATEST,
  findSkill,
  findSkillVersion,
  newestVersionId,
  readSkillArchive,
  storeSkillVersion,
} from "../db/queries/skills";
import { badRequest, conflict } from "../lib/errors";
import { newId } from "../lib/ids";
import {
  FORM_OVERHEAD_BYTES,
  checkContentLength,
  multipartBoundary,
  parseMultipart,
  partText,
  tooLarge,
  uploadLimit,
} from "../lib/multipart";
import { pageParams, paginate } from "../lib/pagination";
import { contentDisposition } from "../lib/mime";
import { readSkillBundle } from "../lib/skill-bundle";
import { nowIso } from "../lib/time";
import { describeIssues, validate } from "../lib/validation";
import { concat, type ZipEntry } from "../lib/zip";
import { assertStorageFits } from "../limits/storage-quota";
import {
  createSkillFields,
  createVersionFields,
  deletedSkillJson,
  listSkillsQuery,
} from "../schemas/skills";
import { skillShapes } from "../schemas/legacy-betas";

/**
 * Custom skills and their immutable versions. Uploads are `files[]` parts named by their path in
 * the skill (what the SDK sends), or a single zip. Each version is stored as one zip in R2, the
 * archive `versions/{v}/content` serves and the SDK's self-hosted worker extracts. A request with
 * `anthropic-beta: skills-2025-10-02` (SDKs before 0.122) reads and writes that beta's shapes,
 * through the adapters of schemas/legacy-betas.ts.
 */
export const skillRoutes = new Hono<AppEnv>();

/** The hosted API's cap on a skill upload; also bounds memory, as a skill is zipped in memory. */
const SKILL_MAX_BYTES = 8 * 1024 * 1024;

/** Reads the multipart form: `files[]` parts (also plain `files`) and the text fields `schema` allows. */
async function readSkillForm<T extends z.ZodType>(c: Context<AppEnv>, schema: T) {
  const maxBytes = Math.min(SKILL_MAX_BYTES, uploadLimit(c.env.MAX_UPLOAD_BYTES));
  const boundary = multipartBoundary(c.req.header("content-type"));
  checkContentLength(c.req.header("content-length"), maxBytes + FORM_OVERHEAD_BYTES);
  const body = c.req.raw.body;
  if (!body) throw badRequest("files: at least one file is required");

  const uploads: ZipEntry[] = [];
  const fields: Record<string, string> = {};
  let total = 0;
  for await (const part of parseMultipart(body, boundary, maxBytes + FORM_OVERHEAD_BYTES)) {
    if (part.name === "files[]" || part.name === "files") {
      if (part.filename === undefined) {
        throw badRequest("files: each entry must be a file whose filename is its path, e.g. my-skill/SKILL.md");
      }
      const chunks: Uint8Array[] = [];
      for await (const chunk of part.body) {
        total += chunk.length;
        if (total > maxBytes) throw tooLarge(maxBytes);
        chunks.push(chunk);
      }
      uploads.push({ path: part.filename, bytes: concat(chunks) });
    } else if (part.filename !== undefined) {
      throw badRequest(`${part.name}: unexpected file part; skill files go in \`files[]\``);
    } else {
      fields[part.name] = await partText(part);
    }
  }
  const shapes = skillShapes(c.var.betas);
  const parsed = schema.safeParse(shapes.fields(fields));
  if (!parsed.success) throw badRequest(describeIssues(parsed.error.issues.map(shapes.issue)));
  return { bundle: await readSkillBundle(uploads, maxBytes), fields: parsed.data as z.infer<T> };
}

skillRoutes.post("/", async (c) => {
  const db = database(c.env.DB);
  const workspaceId = c.var.workspaceId;
  const { bundle, fields } = await readSkillForm(c, createSkillFields);
  const skillId = newId("skill");
  const version = await storeSkillVersion(c.env, workspaceId, skillId, bundle);
  const skill = {
    id: skillId,
    workspaceId,
    name: bundle.name,
    displayName: fields.display_name ?? bundle.name,
    source: "custom" as const,
    latestVersionId: version.id,
    createdAt: version.createdAt,
    updatedAt: version.createdAt,
  };
  try {
    await assertStorageFits(c.env, workspaceId, c.var.limits, version.sizeBytes);
    await db.batch([db.insert(skills).values(skill), db.insert(skillVersions).values(version)]);
  } catch (err) {
    await c.env.BLOBS.delete(version.blobKey).catch(() => {});
    throw err;
  }
  return c.json(skillShapes(c.var.betas).skill(skill));
});

skillRoutes.get("/", validate("query", listSkillsQuery), async (c) => {
  const db = database(c.env.DB);
  const query = c.req.valid("query");
  // No Anthropic-published skills are hosted here.
  if (query.source === "anthropic") return c.json({ data: [], next_page: null });
  return c.json(
    await paginate({
      params: query,
      idColumn: skills.id,
      where: eq(skills.workspaceId, c.var.workspaceId),
      fetch: (q) => db.select().from(skills).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: skillShapes(c.var.betas).skill,
    }),
  );
});

skillRoutes.get("/:skill_id", async (c) => {
  return c.json(skillShapes(c.var.betas).skill(await findSkill(database(c.env.DB), c.var.workspaceId, c.req.param("skill_id"))));
});

skillRoutes.delete("/:skill_id", async (c) => {
  const db = database(c.env.DB);
  const skill = await findSkill(db, c.var.workspaceId, c.req.param("skill_id"));
  const inSkill = and(eq(skillVersions.workspaceId, skill.workspaceId), eq(skillVersions.skillId, skill.id));
  const blobs = await db.select({ key: skillVersions.blobKey }).from(skillVersions).where(inSkill);
  await db.batch([
    db.delete(skillVersions).where(inSkill),
    db.delete(skills).where(and(eq(skills.workspaceId, skill.workspaceId), eq(skills.id, skill.id))),
  ]);
  if (blobs.length) await c.env.BLOBS.delete(blobs.map((b) => b.key));
  return c.json(deletedSkillJson(skill.id));
});

skillRoutes.post("/:skill_id/versions", async (c) => {
  const db = database(c.env.DB);
  const skill = await findSkill(db, c.var.workspaceId, c.req.param("skill_id"));
  const { bundle } = await readSkillForm(c, createVersionFields);
  if (bundle.name !== skill.name) {
    throw badRequest(`SKILL.md: name "${bundle.name}" does not match this skill's name "${skill.name}"`);
  }
  const version = await storeSkillVersion(c.env, skill.workspaceId, skill.id, bundle);
  try {
    await assertStorageFits(c.env, skill.workspaceId, c.var.limits, version.sizeBytes);
    await db.batch([
      db.insert(skillVersions).values(version),
      db
        .update(skills)
        .set({ latestVersionId: newestVersionId(skill.id), updatedAt: version.createdAt })
        .where(and(eq(skills.workspaceId, skill.workspaceId), eq(skills.id, skill.id))),
    ]);
  } catch (err) {
    await c.env.BLOBS.delete(version.blobKey).catch(() => {});
    throw err;
  }
  return c.json(skillShapes(c.var.betas).version(version));
});

skillRoutes.get("/:skill_id/versions", validate("query", pageParams), async (c) => {
  const db = database(c.env.DB);
  const skill = await findSkill(db, c.var.workspaceId, c.req.param("skill_id"));
  return c.json(
    await paginate({
      params: c.req.valid("query"),
      idColumn: skillVersions.id,
      where: and(eq(skillVersions.workspaceId, skill.workspaceId), eq(skillVersions.skillId, skill.id)),
      fetch: (q) => db.select().from(skillVersions).where(q.where).orderBy(q.orderBy).limit(q.limit),
      map: skillShapes(c.var.betas).version,
    }),
  );
});

skillRoutes.get("/:skill_id/versions/:version", async (c) => {
  const { version } = await findSkillVersion(
    database(c.env.DB),
    c.var.workspaceId,
    c.req.param("skill_id"),
    c.req.param("version"),
  );
  return c.json(skillShapes(c.var.betas).version(version));
});

skillRoutes.get("/:skill_id/versions/:version/content", async (c) => {
  const { version } = await findSkillVersion(
    database(c.env.DB),
    c.var.workspaceId,
    c.req.param("skill_id"),
    c.req.param("version"),
  );
  const archive = await readSkillArchive(c.env, version);
  return c.body(archive.body, 200, {
    "content-type": "application/zip",
    "content-length": String(archive.size),
    "content-disposition": contentDisposition(`${version.name}.zip`),
  });
});

skillRoutes.delete("/:skill_id/versions/:version", async (c) => {
  const db = database(c.env.DB);
  const skill = await findSkill(db, c.var.workspaceId, c.req.param("skill_id"));
  const versionId = c.req.param("version");
  if (versionId === LATEST) throw badRequest("version: delete a version by its id, not \"latest\"");
  const { version } = await findSkillVersion(db, skill.workspaceId, skill.id, versionId);

  // One statement decides, so two concurrent deletes cannot leave a skill with no version (unless the
  // request's beta allows that: schemas/legacy-betas.ts).
  const shapes = skillShapes(c.var.betas);
  const others = db
    .select({ n: count() })
    .from(skillVersions)
    .where(and(eq(skillVersions.skillId, skill.id), sql`${skillVersions.id} <> ${version.id}`));
  const [deleted] = await db.batch([
    db
      .delete(skillVersions)
      .where(and(eq(skillVersions.id, version.id), shapes.lastVersionDeletable ? undefined : sql`(${others}) > 0`))
      .returning({ id: skillVersions.id }),
    db
      .update(skills)
      .set({ latestVersionId: newestVersionId(skill.id), updatedAt: nowIso() })
      // Only when the delete above happened.
      .where(
        and(
          eq(skills.id, skill.id),
          sql`not exists (select 1 from ${skillVersions} where ${skillVersions.id} = ${version.id})`,
        ),
      ),
  ]);
  if (!deleted.length) {
    throw conflict(`version ${version.id} is the only version of skill ${skill.id}; delete the skill instead`);
  }
  await c.env.BLOBS.delete(version.blobKey);
  return c.json(shapes.deletedVersion(version));
});
