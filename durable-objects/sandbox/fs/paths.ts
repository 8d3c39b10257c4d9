import { normalizePath as normalize } from "../../../src/hands/toolset/paths";

/** Errors shaped like Node's (`ENOENT: no such file or directory, open '/x'`), which just-bash's commands match on. */
export class FsError extends Error {
  constructor(
    readonly code: string,
    text: string,
    op: string,
    path: string,
  ) {
    super(`${code}: ${text}, ${op} '${path}'`);
  }
}
export const enoent = (op: string, p: string) => new FsError("ENOENT", "no such file or directory", op, p);

export { normalize };
export const dirname = (p: string) => {
  const n = normalize(p);
  return n === "/" ? "/" : n.slice(0, n.lastIndexOf("/")) || "/";
};
export const join = (dir: string, name: string) => (dir === "/" ? `/${name}` : `${dir}/${name}`);
export const isWithin = (parent: string, child: string) => child === parent || child.startsWith(parent === "/" ? "/" : `${parent}/`);

export function checkPath(p: string, op: string) {
  if (p.includes("\0")) throw new FsError("ENOENT", "path contains null byte", op, p);
}
