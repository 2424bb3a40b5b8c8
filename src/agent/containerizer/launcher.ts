// Starts a container's first process. The process is inside its cgroups before any user code
// runs, in its own session and process group, detached so that it outlives the agent (Mesos's
// executors survive an agent restart, §8.3), with stdout/stderr appended to sandbox files.
//
// The argv is built by a pure function as a chain of small exec wrappers, outermost first:
//   1. cgroups: `/bin/sh -c 'echo $$ >"$1" && ... && shift N && exec "$@"'` — the shell writes
//      its own pid into each cgroup.procs, then execs the rest, so everything after it (and
//      every descendant) starts inside the cgroups. No race: nothing else has run yet.
//   2. namespaces: `unshare --pid --fork --mount-proc --kill-child` (a private /proc showing
//      only the container) and/or `--mount`; with filesystem/linux a root shell then bind-mounts
//      `<sandbox>/tmp` on /tmp and the sandbox on the fixed path before exec'ing on.
//   3. hardening (task-hardening.ts): a root shell remounts /sys, the cgroup file systems and
//      /proc/sys (and for a root task the host's system directories) read-only, in a mount
//      namespace unshare made; `prlimit --nproc` for a task not running as root.
//   4. user and capabilities: `setpriv --reuid --regid --init-groups --bounding-set=...`
//      (root-only steps above run first).
//   5. the command: `/bin/sh -c <value>` or `<value> <arguments[1..]>` (Mesos CommandInfo).
// With none of 1-4 the command is spawned directly: one exec, the cheapest launch possible.
// The spawn itself (detached: setsid) is done by the spawn helper (spawn-helper.ts).

import { chmodSync, chownSync, closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { privateTmpTarget } from "./launcher-dirs.ts";
import { KEPT_CAPABILITIES, type TaskHardening } from "./task-hardening.ts";

export interface CommandSpec {
  /** Mesos CommandInfo.shell (default true): run `value` through `/bin/sh -c`. */
  readonly shell: boolean;
  readonly value: string;
  /** With shell=false: argv, where arguments[0] is argv[0] (as in Mesos). */
  readonly arguments?: readonly string[] | undefined;
}

export interface LaunchPlanInput {
  readonly command: CommandSpec;
  readonly cgroupProcsFiles: readonly string[];
  readonly pidNamespace: boolean;
  /** filesystem/linux: the host sandbox path and where it appears inside the container, and
   *  the directories below /tmp kept visible in it, read-only (launcher-dirs.ts). */
  readonly filesystem: {
    readonly sandboxDir: string;
    readonly mountPoint: string;
    readonly launcherDirs?: readonly string[] | undefined;
  } | null;
  readonly user: { readonly uid: number; readonly gid: number } | null;
  readonly hardening?: TaskHardening | undefined;
  readonly tools: {
    readonly sh: string;
    readonly unshare: string;
    readonly setpriv: string;
    readonly prlimit?: string | null | undefined;
  };
}

export interface LaunchPlan {
  readonly file: string;
  readonly args: readonly string[];
  /** argv[0] when the command runs without wrappers (Mesos honours arguments[0]). */
  readonly argv0?: string | undefined;
}

// Exit status of the cgroup wrapper when it cannot join a cgroup: the container then ends at
// once, rather than running unconfined.
export const CGROUP_JOIN_FAILED_EXIT = 125;

// Runs as root in the container's mount namespace: makes each path before "--" read-only.
const READ_ONLY_SCRIPT =
  'while [ "$1" != -- ]; do if [ -e "$1" ]; then mount -o remount,bind,ro "$1" 2>/dev/null || { mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"; } || exit 126; fi; shift; done; shift; exec "$@"';

// Runs as root inside the new mount namespace: $1 sandbox, $2 mount point, $3 a count N, then N
// pairs of a directory below /tmp to keep visible (launcher-dirs.ts) and where in
// `<sandbox>/tmp` it goes, rest the command.
// `<sandbox>/tmp` is created by prepareSandbox beforehand (one exec fewer on the launch path).
// The task starts in the mount point (Mesos runs it in the container's sandbox path): the host
// path of the sandbox is hidden once /tmp is replaced, when the work dir lives under /tmp.
// The sandbox is bound recursively: persistent volumes mounted in it (volume-mounts.ts) come
// along; so is `<sandbox>/tmp`, with the kept directories bound into it while /tmp is the host's.
const MOUNT_SCRIPT =
  's=$1 m=$2 n=$3; shift 3; mount --rbind "$s" "$m" || exit; while [ "$n" -gt 0 ]; do mkdir -p "$2" && mount --bind "$1" "$2" && mount -o remount,bind,ro "$2" || exit; shift 2; n=$((n-1)); done; mount --rbind "$s/tmp" /tmp && cd "$m" && exec "$@"';

/** The argv that starts a container as described in the header. Pure. */
export function buildLaunchPlan(input: LaunchPlanInput): LaunchPlan {
  const { command, tools } = input;
  let argv: string[] = command.shell
    ? [tools.sh, "-c", command.value]
    : [command.value, ...(command.arguments ?? []).slice(1)];
  const argv0 = command.shell ? undefined : command.arguments?.[0];
  let wrapped = false;
  const hardening = input.hardening;
  const caps = hardening?.capsMask ? keptCapabilities() : null;
  if (input.user !== null || caps !== null) {
    const root = input.user === null || input.user.uid === 0;
    argv = [
      tools.setpriv,
      ...(input.user === null
        ? []
        : [`--reuid=${input.user.uid}`, `--regid=${input.user.gid}`, "--init-groups"]),
      ...(caps === null ? [] : [`--bounding-set=-all,${caps}`]),
      ...(caps !== null && root ? ["--inh-caps=-all"] : []),
      "--",
      ...argv,
    ];
    wrapped = true;
  }
  const nproc = hardening?.nprocLimit ?? null;
  if (nproc !== null && input.user !== null && input.user.uid !== 0 && tools.prlimit) {
    argv = [tools.prlimit, `--nproc=${nproc}:${nproc}`, "--", ...argv];
    wrapped = true;
  }
  const mountNamespace = hardening?.mountNamespace === true;
  if (mountNamespace && hardening !== undefined) {
    const rootTask = input.user === null ? process.getuid?.() === 0 : input.user.uid === 0;
    const paths = [...hardening.readOnly, ...(rootTask ? hardening.rootReadOnly : [])];
    argv = [tools.sh, "-c", READ_ONLY_SCRIPT, "tessera-ro", ...paths, "--", ...argv];
  }
  const fs = input.filesystem;
  if (fs !== null) {
    const kept = fs.launcherDirs ?? [];
    const sandboxTmp = join(fs.sandboxDir, "tmp");
    argv = [
      tools.sh,
      "-c",
      MOUNT_SCRIPT,
      "tessera-mount",
      fs.sandboxDir,
      fs.mountPoint,
      String(kept.length),
      ...kept.flatMap((dir) => [dir, privateTmpTarget(sandboxTmp, dir)]),
      ...argv,
    ];
  }
  if (input.pidNamespace || fs !== null || mountNamespace) {
    const flags = input.pidNamespace ? ["--pid", "--mount-proc", "--kill-child"] : [];
    // --mount-proc implies a mount namespace; filesystem/linux alone asks for one.
    if (!input.pidNamespace) flags.push("--mount");
    // Mounts made inside must not propagate back to the host.
    flags.push("--propagation", "private");
    argv = [tools.unshare, ...flags, "--", ...argv];
    wrapped = true;
  }
  const n = input.cgroupProcsFiles.length;
  if (n > 0) {
    const joins = input.cgroupProcsFiles.map((_, i) => `echo $$ >"$${i + 1}"`).join(" && ");
    const script = `{ ${joins}; } || { echo "tessera: cannot join the container's cgroups" >&2; exit ${CGROUP_JOIN_FAILED_EXIT}; }; shift ${n}; exec "$@"`;
    argv = [tools.sh, "-c", script, "tessera-launch", ...input.cgroupProcsFiles, ...argv];
    wrapped = true;
  }
  const [file, ...args] = argv;
  if (file === undefined) throw new Error("empty launch argv");
  return { file, args, argv0: wrapped ? undefined : argv0 };
}

/**
 * Readies the sandbox for a launch and returns its log files' paths: the sandbox directory
 * (created if missing, as LaunchConfig says), the private /tmp when
 * filesystem/linux is on (see MOUNT_SCRIPT), and, for a container running as another user,
 * stdout/stderr created and owned by that user. Otherwise nothing is touched here: the spawn
 * helper creates the log files as it opens them. Throws what the file system threw.
 */
export function prepareSandbox(
  sandboxDir: string,
  owner: { readonly uid: number; readonly gid: number } | null,
  privateTmp: boolean,
): { stdout: string; stderr: string } {
  const tmp = join(sandboxDir, "tmp");
  const stdout = join(sandboxDir, "stdout");
  const stderr = join(sandboxDir, "stderr");
  mkdirSync(privateTmp || owner !== null ? tmp : sandboxDir, { recursive: true });
  if (owner !== null) {
    closeSync(openSync(stdout, "a"));
    closeSync(openSync(stderr, "a"));
    for (const path of [sandboxDir, tmp, stdout, stderr]) chownSync(path, owner.uid, owner.gid);
    // The task's user's alone: another task's user cannot read it (issue 18).
    chmodSync(sandboxDir, 0o750);
  }
  return { stdout, stderr };
}

/** setpriv's names of the kept capabilities ("+chown,+dac_override,..."). */
function keptCapabilities(): string {
  return Object.keys(KEPT_CAPABILITIES)
    .map((name) => `+${name.slice("CAP_".length).toLowerCase()}`)
    .join(",");
}
