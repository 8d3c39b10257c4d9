import { badRequest } from "../lib/errors";

/** Where session files live in the sandbox (Anthropic's "Adding files": uploads are mounted read-only under here). */
export const UPLOADS_DIR = "/mnt/session/uploads";
const MAX_MOUNT_PATH_BYTES = 1024;

/**
 * A `file` resource's `mount_path` as the hosted API resolves it: omitted, `/mnt/session/uploads/<file_id>`; given,
 * always under the uploads directory, whether written relative to it (`/data.csv`, `data.csv`) or in full
 * (`/mnt/session/uploads/data.csv`). `.` segments and repeated slashes collapse; `..` may not leave the directory.
 */
export function resolveFileMountPath(mountPath: string | null | undefined, fileId: string): string {
  if (mountPath === null || mountPath === undefined) return `${UPLOADS_DIR}/${fileId}`;
  const segments: string[] = [];
  const relative = mountPath === UPLOADS_DIR || mountPath.startsWith(`${UPLOADS_DIR}/`) ? mountPath.slice(UPLOADS_DIR.length) : mountPath;
  for (const segment of relative.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (!segments.length) throw badRequest(`mount_path: ${mountPath} leaves ${UPLOADS_DIR}`);
      segments.pop();
    } else segments.push(segment);
  }
  if (!segments.length) throw badRequest(`mount_path: ${mountPath} names the uploads directory itself, not a file in it`);
  const resolved = `${UPLOADS_DIR}/${segments.join("/")}`;
  if (new TextEncoder().encode(resolved).length > MAX_MOUNT_PATH_BYTES) {
    throw badRequest(`mount_path: resolves to more than ${MAX_MOUNT_PATH_BYTES} bytes`);
  }
  return resolved;
}
