// A container's persistent volumes in its sandbox (containers.md §5): each volume among the
// container's resources appears at `<sandbox>/<container_path>`. With filesystem/linux it is
// bind-mounted (read-only for RO) in the host's mount namespace before the container starts;
// the container's own mount namespace binds the sandbox recursively, so it sees the volume
// too. The mount is taken down when the container ends, before its sandbox may be collected.
// Without filesystem/linux, that is where containers get no mount namespace, the volume is a
// symlink instead, as Mesos's filesystem/posix isolator does (RO is then not enforced, and
// the agent's log says so).
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { isAbsolute, join, normalize } from "node:path";
import type { Resource } from "../../wire/resource.ts";
import { volumePath, volumePlace } from "../core/volume-paths.ts";

export type AttachResult = { ok: true; attached: string[] } | { ok: false; message: string };

/**
 * Makes every persistent volume among a container's resources visible in its sandbox:
 * bind-mounted (`mount: true`) or symlinked. Synchronous: it runs once per launch, before the
 * container's process exists, and a failed step leaves nothing half-mounted behind.
 */
export function attachVolumes(
  workDir: string,
  sandboxDir: string,
  resources: readonly Resource[],
  how: { mount: boolean; warn: (message: string) => void },
): AttachResult {
  const attached: string[] = [];
  for (const r of resources) {
    const place = volumePlace(r);
    if (place === undefined || place.containerPath === undefined) continue;
    if (isAbsolute(place.containerPath) || normalize(place.containerPath).startsWith("..")) {
      detachVolumes(sandboxDir);
      return {
        ok: false,
        message: `Absolute container path '${place.containerPath}' is not supported for persistent volume '${place.id}'`,
      };
    }
    const source = volumePath(workDir, place);
    const target = join(sandboxDir, place.containerPath);
    const made = how.mount ? bindMount(source, target, place.mode) : symlink(source, target);
    if (made !== undefined) {
      detachVolumes(sandboxDir);
      return { ok: false, message: `Failed to mount persistent volume '${place.id}': ${made}` };
    }
    if (!how.mount && place.mode === "RO") {
      how.warn(`persistent volume '${place.id}' is read-write: a symlink cannot make it read-only`);
    }
    attached.push(target);
  }
  return { ok: true, attached };
}

function bindMount(source: string, target: string, mode: "RW" | "RO"): string | undefined {
  try {
    mkdirSync(source, { recursive: true });
    mkdirSync(target, { recursive: true });
  } catch (error) {
    return (error as Error).message;
  }
  const run = (args: string[]) => {
    const r = spawnSync("mount", args, { encoding: "utf8" });
    return r.status === 0
      ? undefined
      : (r.stderr || r.error?.message || `mount exited ${r.status}`).trim();
  };
  const bound = run(["--bind", source, target]);
  if (bound !== undefined) return bound;
  if (mode === "RO") {
    const ro = run(["-o", "remount,bind,ro", target]);
    if (ro !== undefined) {
      spawnSync("umount", [target]);
      return ro;
    }
  }
  return undefined;
}

function symlink(source: string, target: string): string | undefined {
  try {
    mkdirSync(source, { recursive: true });
    mkdirSync(join(target, ".."), { recursive: true });
    const existing = lstatSync(target, { throwIfNoEntry: false });
    if (existing?.isSymbolicLink()) rmSync(target);
    else if (existing !== undefined) return `'${target}' exists in the sandbox`;
    symlinkSync(source, target);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Mount points at or below `dir`, deepest first, from /proc/self/mountinfo. */
export function mountsUnder(dir: string, mountinfo?: string): string[] {
  let text = mountinfo;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/mountinfo", "utf8");
    } catch {
      return [];
    }
  }
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  const points: string[] = [];
  for (const line of text.split("\n")) {
    const field = line.split(" ")[4];
    if (field === undefined) continue;
    // mountinfo escapes space, tab, newline and backslash as octal.
    const point = field.replace(/\\([0-7]{3})/g, (_, o: string) =>
      String.fromCharCode(Number.parseInt(o, 8)),
    );
    if (point === dir || point.startsWith(prefix)) points.push(point);
  }
  return points.sort((a, b) => b.length - a.length);
}

/**
 * Takes down every mount below a sandbox (the container ended; the sandbox is about to be
 * collected). Returns the mount points that would not go: the caller must then not remove
 * the sandbox, or it would delete the volume's data through the mount.
 */
export function detachVolumes(sandboxDir: string): string[] {
  const stuck: string[] = [];
  for (const point of mountsUnder(sandboxDir)) {
    if (point === sandboxDir) continue;
    const r = spawnSync("umount", [point], { encoding: "utf8" });
    if (r.status !== 0) {
      const lazy = spawnSync("umount", ["-l", point], { encoding: "utf8" });
      if (lazy.status !== 0) stuck.push(point);
    }
  }
  return stuck;
}
