import type { IFileSystem } from "just-bash/browser";
import { FsError, dirname, isWithin, normalize } from "./paths";

/**
 * Which arguments of each mutating `IFileSystem` method name a path it changes, and whether the change goes
 * through a symlink there (a write does; removing or renaming a link changes the link itself).
 */
const CHANGED_PATHS: Partial<Record<keyof IFileSystem, Array<{ arg: number; follows: boolean }>>> = {
  writeFile: [{ arg: 0, follows: true }],
  appendFile: [{ arg: 0, follows: true }],
  mkdir: [{ arg: 0, follows: true }],
  rm: [{ arg: 0, follows: false }],
  cp: [{ arg: 1, follows: true }],
  mv: [
    { arg: 0, follows: false },
    { arg: 1, follows: false },
  ],
  chmod: [{ arg: 0, follows: true }],
  symlink: [{ arg: 1, follows: false }],
  link: [{ arg: 1, follows: false }],
  utimes: [{ arg: 0, follows: true }],
};

/**
 * The shell's view of the filesystem with some directories read-only (the session's `read_only` memory store
 * mounts): every change under one fails with EROFS, as on a read-only mount. A path is judged where it really
 * leads (symlinks resolved), so a link elsewhere cannot write through. The sandbox itself writes through the
 * unguarded filesystem, which is how the mounts are filled.
 */
export function withReadOnlyRoots(fs: IFileSystem, roots: () => readonly string[]): IFileSystem {
  return new Proxy(fs, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      const changed = CHANGED_PATHS[prop as keyof IFileSystem];
      if (!changed || typeof value !== "function") return typeof value === "function" ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        for (const { arg, follows } of changed) {
          const path = args[arg];
          if (typeof path !== "string" || !roots().length) continue;
          const named = normalize(path);
          const real = follows ? await realPath(target, named) : `${await realPath(target, dirname(named))}/${named.slice(named.lastIndexOf("/") + 1)}`;
          // Removing or moving a directory that holds a read-only mount would take the mount with it.
          const hits = (p: string) => roots().some((r) => isWithin(r, p) || (!follows && isWithin(p, r)));
          if (hits(named) || hits(normalize(real))) {
            throw new FsError("EROFS", "read-only file system", String(prop), path);
          }
        }
        return value.apply(target, args);
      };
    },
  });
}

/** Where `path` really leads: its deepest existing ancestor resolved, the rest appended as written. */
async function realPath(fs: IFileSystem, path: string): Promise<string> {
  let existing = path;
  let rest = "";
  for (;;) {
    try {
      return normalize(`${await fs.realpath(existing)}/${rest}`);
    } catch {
      if (existing === "/") return path;
      rest = `${existing.slice(existing.lastIndexOf("/") + 1)}/${rest}`;
      existing = dirname(existing);
    }
  }
}
