// What every container's first process gives up before the task runs (issue 18, findings 2,
// 3 and 10), decided here once per agent and carried out by the launchers (native/launcher.c
// and the wrappers of launcher.ts):
//
// - Capabilities: the bounding set (and, for a root task, the permitted, effective and
//   inheritable sets) keeps only KEPT_CAPABILITIES, Docker's default set less CAP_MKNOD (no
//   devices isolator here stops a device node made in a sandbox from being opened). Gone:
//   CAP_SYS_ADMIN (mount, remount, setns), CAP_SYS_PTRACE, CAP_SYS_MODULE, CAP_DAC_READ_SEARCH
//   (open_by_handle_at), CAP_NET_ADMIN, CAP_SYS_RESOURCE, CAP_SYS_TIME and the rest. A
//   non-root task loses every capability when it switches user, as before; the bounding set
//   also caps what a setuid or file-capability binary may regain.
// - Read-only mounts, in the container's own mount namespace (the launcher makes one whenever
//   it may: root, and unshare or the native launcher): every cgroup file system and /sys, so a
//   task cannot move itself out of its cgroups or raise its own limits, and /proc/sys. For a
//   root task also the host's system directories (/etc, /usr, /boot, /bin, /sbin, /lib*),
//   which it would otherwise own. Without CAP_SYS_ADMIN it cannot remount them.
// - A process limit under posix isolation (no pids cgroup): RLIMIT_NPROC for a task that does
//   not run as root. It counts every process of the task's user on the machine, not only the
//   container's, and root ignores it: it bounds a fork bomb of an unprivileged user, no more.
//   cgroups/pids is the real limit (pids.max per container), chosen by default where it works.
import { lstatSync, readFileSync } from "node:fs";

/** Capability numbers (linux/capability.h) a task keeps: Docker's defaults but CAP_MKNOD. */
export const KEPT_CAPABILITIES: Readonly<Record<string, number>> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_RAW: 13,
  CAP_SYS_CHROOT: 18,
  CAP_AUDIT_WRITE: 29,
  CAP_SETFCAP: 31,
};

/** The kept set as the bit mask the native launcher reads (hex). */
export function keptCapabilityMask(): string {
  let mask = 0n;
  for (const bit of Object.values(KEPT_CAPABILITIES)) mask |= 1n << BigInt(bit);
  return mask.toString(16);
}

/** A root task's extra read-only paths: the host's own files, which root owns. Not /opt or
 *  /var, where work dirs (and so the sandboxes) often live. */
export const ROOT_TASK_READ_ONLY = [
  "/etc",
  "/usr",
  "/boot",
  "/bin",
  "/sbin",
  "/lib",
  "/lib64",
  "/lib32",
];

export interface TaskHardening {
  /** Whether containers get their own mount namespace for the read-only mounts (root only). */
  readonly mountNamespace: boolean;
  /** keptCapabilityMask(), or null where the agent cannot drop capabilities (not root). */
  readonly capsMask: string | null;
  /** Mount points made read-only in every container's mount namespace (parents first). */
  readonly readOnly: readonly string[];
  /** Added for a root task (only those that exist). */
  readonly rootReadOnly: readonly string[];
  /** RLIMIT_NPROC for a task not running as root, or null (cgroups/pids limits it, or 0). */
  readonly nprocLimit: number | null;
}

/**
 * The read-only list from /proc/self/mounts: /sys and every mount below it (the cgroup file
 * systems among them), then /proc/sys. Pure over the mounts' text.
 */
export function readOnlyMounts(mountsText: string): string[] {
  const out = new Set<string>(["/sys"]);
  for (const line of mountsText.split("\n")) {
    const target = line.split(" ")[1]?.replace(/\\040/g, " ");
    if (target?.startsWith("/sys/")) out.add(target);
  }
  // Sorted: a parent is remounted before the mounts on top of it.
  return [...[...out].sort((a, b) => a.split("/").length - b.split("/").length), "/proc/sys"];
}

/** `canUnshare`: the launcher can make namespaces (the native one, or util-linux unshare). */
export function taskHardening(
  pidsCgroup: boolean,
  pidsLimit: number,
  canUnshare: boolean,
): TaskHardening {
  const root = process.getuid?.() === 0;
  let mounts = "";
  try {
    mounts = readFileSync("/proc/self/mounts", "utf8");
  } catch {
    // No /proc: nothing below /sys is known; /sys itself is still listed.
  }
  // A symlink (/lib -> usr/lib on merged-/usr systems) is covered by its target's entry. A
  // directory with mounts below it (a container runtime's /etc/resolv.conf) is left as it is:
  // the launcher binds it onto itself without them (steps.c), which would hide them.
  const targets = mounts.split("\n").map((line) => line.split(" ")[1] ?? "");
  const present = ROOT_TASK_READ_ONLY.filter((p) => {
    if (targets.some((t) => t.startsWith(`${p}/`))) return false;
    try {
      return lstatSync(p).isDirectory();
    } catch {
      return false;
    }
  });
  return {
    mountNamespace: root && canUnshare,
    capsMask: root ? keptCapabilityMask() : null,
    readOnly: readOnlyMounts(mounts),
    rootReadOnly: present,
    nprocLimit: !pidsCgroup && pidsLimit > 0 ? pidsLimit : null,
  };
}
