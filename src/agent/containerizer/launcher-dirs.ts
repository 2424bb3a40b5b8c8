// The agent's own install, kept in sight of its containers. Mesos starts its executors from
// `--launcher_dir`, a host directory its containers see. Tessera starts the default executor,
// and frameworks the Thermos executor, from the agent's own files: this package (its sources
// or dist/, and node_modules) and the Node.js binary running it. filesystem/linux gives each
// container a private /tmp, which hides an install under /tmp (a checkout cloned there, as CI
// does), and every executor started from it then failed to start. Such directories are bound
// read-only at their own path inside the container (native-launcher.ts, launcher.ts).

import { realpathSync } from "node:fs";
import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The directory a container's private /tmp is bound over. */
export const PRIVATE_TMP = "/tmp";

const PACKAGE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function real(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function isBelow(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith("/");
}

/**
 * Of `dirs` (default: the agent's install, its node_modules and its Node.js binary's
 * directory, each resolved), those a private /tmp would hide, without one inside another.
 */
export function launcherDirsUnderTmp(dirs: readonly string[] = installDirs()): readonly string[] {
  const hidden = [...new Set(dirs)].filter((d) => isBelow(d, PRIVATE_TMP));
  return hidden.filter((d) => !hidden.some((other) => isBelow(d, other)));
}

function installDirs(): string[] {
  const found = [PACKAGE_ROOT, `${PACKAGE_ROOT}node_modules`, dirname(process.execPath)];
  return found.map(real).filter((d): d is string => d !== undefined);
}

/** Where `dir` (below /tmp) is bound in the host's `<sandbox>/tmp`, before that is bound over
 *  /tmp: the container then sees it at its own path. */
export function privateTmpTarget(sandboxTmp: string, dir: string): string {
  return `${sandboxTmp}/${relative(PRIVATE_TMP, dir)}`;
}
