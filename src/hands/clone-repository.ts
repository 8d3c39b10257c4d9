import type { Env } from "../env";
import type { StoredResource } from "../db/schema";
import { openRepositoryToken } from "../sessions/repository-token";
import { unzip } from "../lib/zip";
import type { Sandbox } from "./sandbox";

/** A repository larger than this (uncompressed) is not copied in. */
const MAX_REPOSITORY_BYTES = 256 * 1024 * 1024;

/**
 * Copies a `github_repository` resource into a cloud sandbox at its mount path. The sandbox has no git
 * (the isolate cannot run it), so this fetches GitHub's archive of the checkout (`zipball/<ref>`) from the
 * sandbox's Durable Object and writes the files: a snapshot of the tree, without `.git` history.
 *
 * This is the one place the clone token is opened. It goes to the GitHub API host only (api.github.com, or
 * `GITHUB_API_URL`), in this process, and never into the sandbox (no remote URL, no env var, no file), nor into a log or an error message. The
 * archive redirect is followed by hand so the token is not replayed to the download host.
 */
export async function cloneRepository(env: Env, workspaceId: string, resource: StoredResource, sandbox: Sandbox, fetcher: typeof fetch = fetch) {
  const repo = githubRepo(String(resource.url));
  if (!repo) throw new Error(`only github.com repositories can be copied into a cloud sandbox (${resource.id})`);
  const checkout = resource.checkout as { type: "branch"; name: string } | { type: "commit"; sha: string } | null | undefined;
  const ref = checkout?.type === "branch" ? checkout.name : checkout?.type === "commit" ? checkout.sha : "";
  const token = await openRepositoryToken(env, workspaceId, resource);
  const api = `${githubApiBase(env)}/repos/${repo.owner}/${repo.name}/zipball${ref ? `/${encodeURIComponent(ref)}` : ""}`;
  const headers: Record<string, string> = { accept: "application/vnd.github+json", "user-agent": "managed-agents-on-cloudflare" };
  if (token) headers.authorization = `Bearer ${token}`;
  let res = await fetcher(api, { headers, redirect: "manual" });
  const location = res.headers.get("location");
  if (res.status >= 300 && res.status < 400 && location) {
    res = await fetcher(new URL(location, api).toString(), { headers: { "user-agent": headers["user-agent"] } });
  }
  if (!res.ok) throw new Error(`GitHub answered ${res.status} for ${repo.owner}/${repo.name}${ref ? `@${ref}` : ""} (${resource.id})`);
  const entries = await unzip(new Uint8Array(await res.arrayBuffer()), MAX_REPOSITORY_BYTES);
  const root = String(resource.mount_path).replace(/\/+$/, "");
  for (const entry of entries) {
    // GitHub archives hold everything under one `<owner>-<repo>-<sha>/` directory.
    const parts = entry.path.split("/").filter(Boolean).slice(1);
    if (!parts.length || parts.some((p) => p === "." || p === "..")) continue;
    await sandbox.writeFile(`${root}/${parts.join("/")}`, entry.bytes);
  }
}

/** GitHub's REST API root: api.github.com unless `GITHUB_API_URL` names a stand-in (the end-to-end suites' local one). */
const githubApiBase = (env: Env) => (env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, "");

function githubRepo(url: string): { owner: string; name: string } | null {
  try {
    const parsed = new URL(url);
    if (parsed.hostname !== "github.com" && parsed.hostname !== "www.github.com") return null;
    const [owner, name] = parsed.pathname.split("/").filter(Boolean);
    return owner && name ? { owner, name: name.replace(/\.git$/, "") } : null;
  } catch {
    return null;
  }
}
