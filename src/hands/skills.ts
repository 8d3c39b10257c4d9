import type { Env } from "../env";
import { database } from "../db/client";
import { findSession } from "../db/queries/sessions";
import { loadSkillVersionFiles } from "../db/queries/skills";
import type { Sandbox } from "./sandbox";

/**
 * Writes the session agent's skills into a freshly provisioned cloud sandbox, where the SDK's own environment
 * worker puts them for self-hosted sessions (`setupSkills`): `{workdir}/skills/<name>/`, so an agent finds its
 * skills at the same path whichever kind of environment runs it. Anthropic skills are skipped (below); a skill
 * that cannot be loaded (a deleted version) is skipped with a warning rather than failing the sandbox.
 */
export async function installSkills(env: Env, sandbox: Sandbox, workspaceId: string, sessionId: string): Promise<string[]> {
  const session = await findSession(database(env.DB), workspaceId, sessionId).catch(() => undefined);
  const installed: string[] = [];
  for (const skill of session?.agent.skills ?? []) {
    // Anthropic-hosted skills (xlsx, pdf, docx...) are accepted on agents so SDK code written for the hosted
    // API runs unchanged, but this server has no copy of their files (they are not openly licensed, and it
    // fetches nothing from Anthropic): they are not delivered to the hands. The SDK's own worker finds the
    // same thing for self-hosted sessions (its `skills.versions.retrieve` answers 404) and carries on.
    if (skill.type === "anthropic") continue;
    try {
      const version = await loadSkillVersionFiles(env, workspaceId, skill.skill_id, skill.version);
      const dirname = safeComponent(version.name) ?? safeComponent(skill.skill_id)!;
      const root = `${sandbox.workdir}/skills/${dirname}`;
      for (const file of version.files) {
        const parts = file.path.split("/").filter(Boolean);
        if (!parts.length || parts.some((p) => p === "." || p === "..")) continue;
        await sandbox.writeFile(`${root}/${parts.join("/")}`, file.bytes);
      }
      installed.push(root);
    } catch (err) {
      console.warn(
        JSON.stringify({ level: "warn", msg: "skill not installed in sandbox", session_id: sessionId, skill_id: skill.skill_id, error: String(err) }),
      );
    }
  }
  return installed;
}

/** One path component that cannot escape the skills directory, or null. */
function safeComponent(name: string): string | null {
  const base = name.trim().split("/").pop() ?? "";
  return base && base !== "." && base !== ".." ? base : null;
}
