/// <reference types="vite/client" />
/**
 * The installed `@anthropic-ai/sdk`'s type declarations and the project's own text files, read at build time
 * (Vite's `?raw` globs), so contract tests in workerd can compare the project with the exact SDK it locks.
 */
export const sdkDeclarations = import.meta.glob("/node_modules/@anthropic-ai/sdk/resources/**/*.d.ts", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

/** One declaration file by its path under `resources/` (e.g. `beta/sessions/events.d.ts`). */
export function declaration(path: string): string {
  const text = sdkDeclarations[`/node_modules/@anthropic-ai/sdk/resources/${path}`];
  if (text === undefined) throw new Error(`the installed SDK has no resources/${path}`);
  return text;
}

/** The string literal members of `export type Name = 'a' | 'b' | ...;` in one declaration file. */
export function literalUnion(path: string, name: string): string[] {
  const match = declaration(path).match(new RegExp(`export type ${name} = ([^;]+);`));
  if (!match) throw new Error(`resources/${path} declares no type ${name}`);
  return [...match[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
}
