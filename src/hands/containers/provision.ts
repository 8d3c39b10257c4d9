import type { PackageSpec } from "../environment";

/** POSIX single-quoting: the package list is user input and ends up in a shell command. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The install commands for an environment's `packages`, one per package manager, in the order a Debian-based
 * image needs them (apt first: the others may depend on system libraries). Versions use each manager's own
 * syntax (`pkg==1.0` for pip, `pkg@1.0` for npm and go), as the API documents.
 */
export function packageInstallCommands(packages: PackageSpec): string[] {
  const list = (names?: string[] | null) => (names ?? []).map((n) => n.trim()).filter(Boolean);
  const quoted = (names: string[]) => names.map(shellQuote).join(" ");
  const commands: string[] = [];
  const apt = list(packages.apt);
  if (apt.length) {
    commands.push(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${quoted(apt)}`);
  }
  const pip = list(packages.pip);
  if (pip.length) commands.push(`python3 -m pip install --quiet ${quoted(pip)}`);
  const npm = list(packages.npm);
  if (npm.length) commands.push(`npm install --global --silent ${quoted(npm)}`);
  const cargo = list(packages.cargo);
  if (cargo.length) commands.push(`cargo install --quiet ${quoted(cargo)}`);
  const gem = list(packages.gem);
  if (gem.length) commands.push(`gem install --silent --no-document ${quoted(gem)}`);
  // `go install` needs a version; an unversioned package means the latest.
  for (const pkg of list(packages.go)) commands.push(`go install ${shellQuote(pkg.includes("@") ? pkg : `${pkg}@latest`)}`);
  return commands;
}
