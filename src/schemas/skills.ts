import { z } from "zod";
import type { skills, skillVersions } from "../db/schema";
import { pageParams } from "../lib/pagination";

export type SkillRow = typeof skills.$inferSelect;
export type SkillVersionRow = typeof skillVersions.$inferSelect;

/** `GET /v1/skills`: the SDK's `SkillListParams`. Only custom skills live here; `anthropic` lists nothing. */
export const listSkillsQuery = pageParams.extend({
  source: z.enum(["custom", "anthropic"]).optional(),
});

/** Text fields of `POST /v1/skills` besides the `files[]` parts. */
export const createSkillFields = z.strictObject({
  display_name: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .refine((s) => !/[\r\n]/.test(s), "must be a single line")
    .optional(),
});

/** `POST /v1/skills/{id}/versions` takes nothing but files. */
export const createVersionFields = z.strictObject({});

/** `BetaSkill`. */
export const skillJson = (s: SkillRow) => ({
  type: "skill" as const,
  id: s.id,
  display_name: s.displayName,
  // Null only for a skill whose every version a `skills-2025-10-02` client deleted (db/queries/skills.ts: NO_VERSION).
  latest_version_id: s.latestVersionId || null,
  source: { type: s.source },
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

/** `BetaSkillVersion`. */
export const skillVersionJson = (v: SkillVersionRow) => ({
  type: "skill_version" as const,
  id: v.id,
  skill_id: v.skillId,
  name: v.name,
  description: v.description,
  created_at: v.createdAt,
});

export const deletedSkillJson = (id: string) => ({ id, type: "skill_deleted" as const });
export const deletedSkillVersionJson = (id: string) => ({ id, type: "skill_version_deleted" as const });

/** One entry of a version's `manifest` column. */
export interface ManifestEntry {
  path: string;
  size_bytes: number;
}
