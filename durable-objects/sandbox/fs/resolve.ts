import { FsError, dirname, join, normalize } from "./paths";
import type { FsStore } from "./store";

const MAX_SYMLINK_HOPS = 40;
const DIR_MODE = 0o755;

/** Path resolution over the stored nodes, with symlinks followed as a kernel would (ELOOP past 40 hops). */
export class PathResolver {
  constructor(private readonly store: FsStore) {}

  /** Creates the missing directories above `path`. */
  ensureParentDirs(path: string) {
    const parent = dirname(path);
    if (parent === "/" || this.store.node(parent)) return;
    this.ensureParentDirs(parent);
    this.store.put(parent, { type: "directory", mode: DIR_MODE });
  }

  /** Follows every symlink along `p`, including the last component. */
  resolve(p: string, op: string): string {
    const parts = normalize(p).slice(1).split("/").filter(Boolean);
    let current = "";
    for (const part of parts) current = this.follow(`${current}/${part}`, p, op);
    return current || "/";
  }

  /** Follows symlinks in every component but the last (lstat, readlink, rm). */
  resolveParent(p: string, op: string): string {
    const n = normalize(p);
    if (n === "/") return "/";
    const parent = dirname(n);
    const real = parent === "/" ? "/" : this.resolve(parent, op);
    return join(real, n.slice(n.lastIndexOf("/") + 1));
  }

  private follow(path: string, original: string, op: string): string {
    let current = path;
    for (let hops = 0; ; hops++) {
      const node = this.store.node(current);
      if (!node || node.type !== "symlink") return current;
      if (hops >= MAX_SYMLINK_HOPS) throw new FsError("ELOOP", "too many levels of symbolic links", op, original);
      current = node.target!.startsWith("/") ? normalize(node.target!) : normalize(join(dirname(current), node.target!));
    }
  }
}
