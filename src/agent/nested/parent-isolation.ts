// Where a nested container runs: inside its root container's cgroups and namespaces, as Mesos
// runs nested containers (they share the parent's cgroups by default, `share_cgroups`, and its
// pid and mount namespaces when the parent has them). Read from /proc, so it works the same for
// a container started by the native launcher, by the Node helper's `unshare` chain, or
// recovered after an agent restart.
//
//   const joined = parentIsolation(pid);   // the cgroup.procs files to join, and the pid whose
//                                           // namespaces to enter (null: the agent's own)
//   wrapArgv(joined, tools, argv)           // sh -c 'echo $$ > …' + nsenter --target … -- argv

import { readFileSync, readlinkSync } from "node:fs";
import { scanProcesses } from "../containerizer/posix-isolator.ts";

export interface ParentIsolation {
  /** The `cgroup.procs` of every hierarchy the parent's first process is in below the root. */
  readonly cgroupProcsFiles: readonly string[];
  /** A process inside the parent's namespaces, and which of them differ from the agent's. */
  readonly enter: {
    readonly pid: number;
    readonly pid_ns: boolean;
    readonly mnt_ns: boolean;
  } | null;
}

const CGROUP_MOUNT = "/sys/fs/cgroup";
// The descendants looked at for a process inside the parent's pid namespace: the namespace's
// init is the first process's child at most two levels down (unshare --fork, then the task).
const MAX_DESCENDANT_DEPTH = 3;

function nsLink(pid: number | "self", ns: "pid" | "mnt"): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return null;
  }
}

/**
 * The cgroup.procs files of `pid`'s cgroups, for cgroups v1 (one per named hierarchy) and v2
 * (the unified one). Hierarchies where it sits at the root or in the agent's own cgroup (no
 * isolation there) are skipped.
 */
export function cgroupProcsFilesOf(pid: number): string[] {
  let text: string;
  let own: Set<string>;
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, "utf8");
    own = new Set(readFileSync("/proc/self/cgroup", "utf8").split("\n"));
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const line of text.split("\n")) {
    const [id, controllers, path] = line.split(":", 3);
    // Where the parent shares the agent's cgroup (a posix container), there is nothing to join.
    if (id === undefined || controllers === undefined || path === undefined || own.has(line)) {
      continue;
    }
    if (path === "/") continue;
    if (controllers === "") {
      files.push(`${CGROUP_MOUNT}${path}/cgroup.procs`);
      continue;
    }
    // cgroups v1: the hierarchy is mounted under its controllers' names (`cpu,cpuacct`).
    const dir = controllers.startsWith("name=") ? controllers.slice(5) : controllers;
    files.push(`${CGROUP_MOUNT}/${dir}${path}/cgroup.procs`);
  }
  return files;
}

/** `root` and its descendants, breadth first, to a bounded depth. */
function family(root: number): number[] {
  const all = scanProcesses();
  const out = [root];
  let level = [root];
  for (let depth = 0; depth < MAX_DESCENDANT_DEPTH && level.length > 0; depth++) {
    const parents = new Set(level);
    level = all.filter((p) => parents.has(p.ppid) && p.state !== "Z").map((p) => p.pid);
    out.push(...level);
  }
  return out;
}

/** What a nested container of the container whose first process is `pid` must join. */
export function parentIsolation(pid: number): ParentIsolation {
  const ownPid = nsLink("self", "pid");
  const ownMnt = nsLink("self", "mnt");
  let enter: ParentIsolation["enter"] = null;
  for (const candidate of family(pid)) {
    const pidNs = nsLink(candidate, "pid");
    const mntNs = nsLink(candidate, "mnt");
    if (pidNs === null || mntNs === null) continue;
    const differs = { pid_ns: pidNs !== ownPid, mnt_ns: mntNs !== ownMnt };
    // The pid namespace's members are the first process's descendants, not the process that
    // made it: keep looking until one is inside it, else take the mount namespace alone.
    if (differs.pid_ns) {
      enter = { pid: candidate, ...differs };
      break;
    }
    if (differs.mnt_ns && enter === null) enter = { pid: candidate, ...differs };
  }
  return { cgroupProcsFiles: cgroupProcsFilesOf(pid), enter };
}

/** The argv that starts `argv` in the parent's cgroups and namespaces. Pure. */
export function wrapArgv(
  isolation: ParentIsolation,
  tools: { readonly sh: string; readonly nsenter: string | null },
  argv: readonly string[],
  /** The working directory as seen inside the parent's mount namespace, when it is entered. */
  innerCwd?: string,
): { argv: string[]; missing?: string } {
  let out = [...argv];
  const enter = isolation.enter;
  if (enter !== null) {
    if (tools.nsenter === null) return { argv: out, missing: "nsenter (util-linux)" };
    const flags = [...(enter.pid_ns ? ["--pid"] : []), ...(enter.mnt_ns ? ["--mount"] : [])];
    if (enter.mnt_ns && innerCwd !== undefined) {
      // nsenter's own --wd opens the directory before it enters: change into it once inside.
      out = [tools.sh, "-c", 'cd "$1" && shift && exec "$@"', "tessera-cd", innerCwd, ...out];
    }
    // Entering a pid namespace forks (nsenter's default), so the command is inside it.
    out = [tools.nsenter, `--target=${enter.pid}`, ...flags, "--", ...out];
  }
  const n = isolation.cgroupProcsFiles.length;
  if (n > 0) {
    // As launcher.ts: the shell joins the cgroups with its own pid, then execs the rest, so
    // nothing of the nested container runs outside them.
    const joins = isolation.cgroupProcsFiles.map((_, i) => `echo $$ >"$${i + 1}"`).join(" && ");
    const script = `{ ${joins}; } || { echo "tessera: cannot join the parent container's cgroups" >&2; exit 125; }; shift ${n}; exec "$@"`;
    out = [tools.sh, "-c", script, "tessera-nested", ...isolation.cgroupProcsFiles, ...out];
  }
  return { argv: out };
}
