import { base62Value } from "../lib/ids";
import { deletedSkillVersionJson, skillJson, skillVersionJson, type SkillRow, type SkillVersionRow } from "./skills";

/**
 * The dated betas of the Files and Skills APIs. SDKs before 0.122 send them on every files / skills call and
 * read the shapes they select (the SDK's changelog, 0.122.0: "Requests that still send those headers on raw
 * HTTP keep receiving the beta shapes"); current SDKs send neither and read the current shapes. The handlers
 * are the same for both: these adapters turn the current JSON (schemas/files.ts, schemas/skills.ts) into the
 * old one, and the old request names into the current ones, keyed by the request's `anthropic-beta`.
 */
export const FILES_API_BETA = "files-api-2025-04-14";
export const SKILLS_BETA = "skills-2025-10-02";

/**
 * `skills-2025-10-02` names a version by a Unix-epoch timestamp in microseconds ("1759178010641129"), in
 * `latest_version`, a version's `version` and the `/versions/{version}` path. Derived from the version's id
 * (its creation millisecond, then 0-999 from the end of its random part), so nothing extra is stored and the
 * number stays the same for the version's lifetime. `findSkillVersion` resolves it back (db/queries/skills.ts).
 */
export function legacyVersionNumber(versionId: string): string {
  const start = versionId.indexOf("_") + 1;
  const time = versionId.slice(start, start + 8);
  return String(base62Value(time) * 1000 + (base62Value(versionId.slice(-2)) % 1000));
}

/** A `legacyVersionNumber`, as a path or `version` field may carry instead of an id. */
export const isLegacyVersionNumber = (version: string) => /^\d+$/.test(version);

/** The creation millisecond a legacy version number names: its version's id starts with that time part. */
export const legacyVersionMillis = (version: string) => Math.floor(Number(version) / 1000);

/** Issues of the current schema, as `describeIssues` reads them. */
interface Issue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
}

/** The shapes of skills and their versions a request gets, by its betas. */
export interface SkillShapes {
  /** The multipart text fields as the current schema names them. */
  fields(raw: Record<string, string>): Record<string, string>;
  /** A schema issue about a renamed field, under the name the request used. */
  issue(issue: Issue): Issue;
  skill(row: SkillRow): object;
  version(row: SkillVersionRow): object;
  deletedVersion(row: SkillVersionRow): object;
  /** Whether a skill's last version may be deleted on its own (leaving the skill with none), as this beta allowed. */
  lastVersionDeletable: boolean;
}

const CURRENT_SKILLS: SkillShapes = {
  fields: (raw) => raw,
  issue: (issue) => issue,
  skill: skillJson,
  version: skillVersionJson,
  deletedVersion: (row) => deletedSkillVersionJson(row.id),
  lastVersionDeletable: false,
};

/** `SkillCreateResponse` / `VersionCreateResponse` and kin of SDK 0.120, from the current JSON. */
const SKILLS_2025_10_02: SkillShapes = {
  // `display_title` was `display_name`'s name.
  fields: ({ display_title, ...rest }) => (display_title === undefined ? rest : { ...rest, display_name: display_title }),
  issue: (issue) => (issue.path?.[0] === "display_name" ? { ...issue, path: ["display_title", ...issue.path.slice(1)] } : issue),
  skill(row) {
    const { display_name, latest_version_id, source, ...rest } = skillJson(row);
    const latest_version = latest_version_id ? legacyVersionNumber(latest_version_id) : null;
    return { ...rest, display_title: display_name, latest_version, source: source.type };
  },
  version: (row) => ({ ...skillVersionJson(row), directory: row.name, version: legacyVersionNumber(row.id) }),
  deletedVersion: (row) => deletedSkillVersionJson(legacyVersionNumber(row.id)),
  // That beta refused to delete a skill with versions, so its clients delete every version first.
  lastVersionDeletable: true,
};

export const skillShapes = (betas: readonly string[]): SkillShapes =>
  betas.includes(SKILLS_BETA) ? SKILLS_2025_10_02 : CURRENT_SKILLS;

/** `files-api-2025-04-14` lists files as the SDK's old `Page` (`has_more` / `first_id` / `last_id`, `before_id` / `after_id`). */
export const wantsOldFilesPage = (betas: readonly string[]) => betas.includes(FILES_API_BETA);
