import { and, eq, gte, lt, sql } from "drizzle-orm";
import type { Env } from "../../env";
import { database, type Database } from "../client";
import { skills, skillVersions } from "../schema";
import { ApiError, notFound } from "../../lib/errors";
import { idTimePart, newId } from "../../lib/ids";
import type { SkillBundle } from "../../lib/skill-bundle";
import { nowIso } from "../../lib/time";
import { unzip, zip, type ZipEntry } from "../../lib/zip";
import type { ManifestEntry, SkillRow, SkillVersionRow } from "../../schemas/skills";
import { isLegacyVersionNumber, legacyVersionMillis, legacyVersionNumber } from "../../schemas/legacy-betas";

const SKILL_VERSION_ID_PREFIX = "skillver";

/** What `version` may say instead of an id, as in an agent's `skills: [{version: "latest"}]`. */
export const LATEST = "latest";

export const skillVersionBlobKey = (workspaceId: string, skillId: string, versionId: string) =>
  `workspaces/${workspaceId}/skills/${skillId}/versions/${versionId}.zip`;

/** The skill in this workspace, or a 404 (another workspace's id included). */
export async function findSkill(db: Database, workspaceId: string, skillId: string): Promise<SkillRow> {
  const [row] = await db
    .select()
    .from(skills)
    .where(and(eq(skills.workspaceId, workspaceId), eq(skills.id, skillId)))
    .limit(1);
  if (!row) throw notFound("skill", skillId);
  return row;
}

/**
 * A version of the skill by id, by the number `skills-2025-10-02` named it with (schemas/legacy-betas.ts), or its
 * newest for `"latest"` (also the default); 404 otherwise.
 */
export async function findSkillVersion(
  db: Database,
  workspaceId: string,
  skillId: string,
  version: string | null | undefined = LATEST,
): Promise<{ skill: SkillRow; version: SkillVersionRow }> {
  const skill = await findSkill(db, workspaceId, skillId);
  const inSkill = and(eq(skillVersions.workspaceId, workspaceId), eq(skillVersions.skillId, skill.id));
  let row: SkillVersionRow | undefined;
  if (version && isLegacyVersionNumber(version)) {
    // The versions minted in the number's millisecond (almost always one), then the one it names.
    const prefix = `${SKILL_VERSION_ID_PREFIX}_${idTimePart(legacyVersionMillis(version))}`;
    const sameMillisecond = await db
      .select()
      .from(skillVersions)
      .where(and(inSkill, gte(skillVersions.id, prefix), lt(skillVersions.id, `${prefix}{`)))
      .orderBy(skillVersions.id);
    row = sameMillisecond.find((v) => legacyVersionNumber(v.id) === version);
  } else {
    const versionId = !version || version === LATEST ? skill.latestVersionId : version;
    if (versionId === NO_VERSION) throw notFound("skill version", version ?? LATEST);
    [row] = await db
      .select()
      .from(skillVersions)
      .where(and(inSkill, eq(skillVersions.id, versionId)))
      .limit(1);
  }
  if (!row) throw notFound("skill version", version ?? LATEST);
  return { skill, version: row };
}

export interface SkillVersionFiles {
  skillId: string;
  versionId: string;
  /** The skill's directory name (its slug), e.g. mount at `/skills/<name>/`. */
  name: string;
  description: string;
  /** Paths relative to the skill directory (`SKILL.md`, `scripts/run.py`...). */
  files: ZipEntry[];
}

/**
 * For the hands: a skill version's files, by skill id and version id (or `"latest"`), scoped to
 * the workspace. 404 `ApiError` when the skill or version is not there.
 */
export async function loadSkillVersionFiles(
  env: Pick<Env, "DB" | "BLOBS">,
  workspaceId: string,
  skillId: string,
  version: string | null | undefined = LATEST,
): Promise<SkillVersionFiles> {
  const found = await findSkillVersion(database(env.DB), workspaceId, skillId, version);
  const archive = await readSkillArchive(env, found.version);
  const prefix = `${found.version.name}/`;
  const entries = await unzip(new Uint8Array(await archive.arrayBuffer()), Number.MAX_SAFE_INTEGER);
  return {
    skillId: found.skill.id,
    versionId: found.version.id,
    name: found.version.name,
    description: found.version.description,
    files: entries.map((e) => ({ path: e.path.startsWith(prefix) ? e.path.slice(prefix.length) : e.path, bytes: e.bytes })),
  };
}

/** The version's stored zip. A missing blob is a server fault, not a client's 404. */
export async function readSkillArchive(env: Pick<Env, "BLOBS">, version: SkillVersionRow): Promise<R2ObjectBody> {
  const object = await env.BLOBS.get(version.blobKey);
  if (!object) throw new ApiError("api_error", `content of skill version ${version.id} is missing`);
  return object;
}

/**
 * Writes a bundle as the archive the SDK's worker extracts (everything under `<name>/`, so its
 * wrapper-stripping lands files in `skills/<name>/`) and returns the version row to insert.
 */
export async function storeSkillVersion(
  env: Pick<Env, "BLOBS">,
  workspaceId: string,
  skillId: string,
  bundle: SkillBundle,
): Promise<SkillVersionRow> {
  const id = newId(SKILL_VERSION_ID_PREFIX);
  const blobKey = skillVersionBlobKey(workspaceId, skillId, id);
  const archive = zip(bundle.files.map((f) => ({ path: `${bundle.name}/${f.path}`, bytes: f.bytes })));
  await env.BLOBS.put(blobKey, archive, { httpMetadata: { contentType: "application/zip" } });
  const manifest: ManifestEntry[] = bundle.files.map((f) => ({ path: f.path, size_bytes: f.bytes.length }));
  const now = nowIso();
  return {
    id,
    workspaceId,
    skillId,
    name: bundle.name,
    description: bundle.description,
    blobKey,
    sizeBytes: archive.length,
    manifest: JSON.stringify(manifest),
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * A skill's `latest_version_id` when it has no version left: only `skills-2025-10-02` clients may delete the last
 * one (that beta refused to delete a skill that still had versions, so its clients delete them all first).
 */
export const NO_VERSION = "";

/** SQL for "the newest remaining version of this skill" (ids sort by creation time), or `NO_VERSION`. */
export const newestVersionId = (skillId: string) =>
  sql`coalesce((select max(${skillVersions.id}) from ${skillVersions} where ${skillVersions.skillId} = ${skillId}), ${NO_VERSION})`;
