import { badRequest } from "./errors";
import { frontMatter } from "./front-matter";
import { isZip, unzip, type ZipEntry } from "./zip";

/**
 * Turns what a client uploaded for a skill — `files[]` parts whose filenames are paths
 * (`my-skill/SKILL.md`, `my-skill/scripts/run.py`), or one zip of them — into a validated bundle:
 * one directory with a SKILL.md whose front matter names and describes the skill.
 */

export interface SkillBundle {
  /** kebab-case slug: front matter `name`, else the top-level directory. */
  name: string;
  description: string;
  /** Paths relative to the skill directory, SKILL.md first. */
  files: ZipEntry[];
}

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const RESERVED = ["anthropic", "claude"];
/** OS litter that zip tools add; never part of a skill. */
const JUNK = /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$)/;

export async function readSkillBundle(uploads: ZipEntry[], maxBytes: number): Promise<SkillBundle> {
  if (uploads.length === 0) throw badRequest("files: at least one file is required");
  const entries = uploads.length === 1 && isZip(uploads[0].bytes) ? await unzip(uploads[0].bytes, maxBytes) : uploads;

  const files = new Map<string, Uint8Array>();
  for (const entry of entries) {
    const path = normalizePath(entry.path);
    if (JUNK.test(path)) continue;
    if (files.has(path)) throw badRequest(`files: duplicate path "${path}"`);
    files.set(path, entry.bytes);
  }
  if (files.size === 0) throw badRequest("files: at least one file is required");

  const { top, relative } = splitTopDirectory([...files.keys()]);
  const skillMd = files.get(top ? `${top}/SKILL.md` : "SKILL.md");
  if (!skillMd) {
    throw badRequest(
      `files: SKILL.md is required at the root of the skill directory (e.g. "${top ?? "my-skill"}/SKILL.md")`,
    );
  }

  const meta = frontMatter(new TextDecoder().decode(skillMd));
  if (!meta) throw badRequest("SKILL.md: must start with YAML front matter between --- lines (name, description)");
  const name = validName(meta.name, top);
  const description = validDescription(meta.description);

  const bundle = [...files].map(([path, bytes]) => ({ path: relative(path), bytes }));
  bundle.sort((a, b) => (a.path === "SKILL.md" ? -1 : b.path === "SKILL.md" ? 1 : a.path < b.path ? -1 : 1));
  return { name, description, files: bundle };
}

function normalizePath(raw: string): string {
  const segments = raw.replace(/\\/g, "/").split("/").filter((s) => s !== "" && s !== ".");
  if (segments.length === 0) throw badRequest("files: every file needs a filename (its path in the skill)");
  if (segments.includes("..")) throw badRequest(`files: path "${raw}" must not contain ".."`);
  if (segments.some((s) => /[\x00-\x1f]/.test(s))) throw badRequest(`files: path "${raw}" contains control characters`);
  return segments.join("/");
}

/**
 * Either every file sits under one top-level directory (the documented layout), or SKILL.md is
 * at the root and the upload *is* the skill directory.
 */
function splitTopDirectory(paths: string[]): { top?: string; relative: (path: string) => string } {
  if (paths.includes("SKILL.md")) return { relative: (p) => p };
  const tops = new Set(paths.map((p) => (p.includes("/") ? p.slice(0, p.indexOf("/")) : "")));
  if (tops.size !== 1 || tops.has("")) {
    throw badRequest("files: all files must be in the same top-level directory, with SKILL.md at its root");
  }
  const [top] = tops;
  return { top, relative: (p) => p.slice(top.length + 1) };
}

function validName(value: string | null | undefined, top: string | undefined): string {
  if (value === null) throw badRequest("SKILL.md: front matter `name` must be a string");
  const name = value?.trim() || top;
  if (!name) throw badRequest("SKILL.md: front matter `name` is required");
  if (name.length > 64 || !NAME.test(name)) {
    throw badRequest(
      `SKILL.md: front matter \`name\` "${name}" must be 1-64 lowercase letters, digits and single hyphens`,
    );
  }
  const reserved = RESERVED.find((word) => name.includes(word));
  if (reserved) throw badRequest(`SKILL.md: front matter \`name\` must not contain the reserved word "${reserved}"`);
  return name;
}

function validDescription(value: string | null | undefined): string {
  if (value === null) throw badRequest("SKILL.md: front matter `description` must be a string");
  const description = value?.trim();
  if (!description) throw badRequest("SKILL.md: front matter `description` is required");
  if (description.length > 1024) throw badRequest("SKILL.md: front matter `description` must be at most 1024 characters");
  if (/<\/?[a-zA-Z][^>]*>/.test(description)) {
    throw badRequest("SKILL.md: front matter `description` must not contain XML tags");
  }
  return description;
}
